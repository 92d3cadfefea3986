import pg from "pg";

/** The role the console and the gateway workers connect as on the embedded PostgreSQL. */
export const RUNTIME_ROLE = "bulwark_app";

/**
 * Tables the application only reads and appends to. Besides these, any table with a trigger calling a function
 * named like `*append_only*` (the audit log's guard) is treated the same, so a later append-only table is covered
 * by following the audit log's pattern.
 */
const APPEND_ONLY_TABLES = ["audit_log"];
/** The migrator's bookkeeping: nothing at runtime reads it. */
const MIGRATOR_TABLES = ["_prisma_migrations"];
/** Built-in roles that reach the server's shell or files (COPY ... PROGRAM, pg_read_file and the like). */
const SERVER_ACCESS_ROLES = ["pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"];

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;
const IN_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

/**
 * Creates `role` (or brings an existing one back in line) as a plain login: no superuser, no CREATEDB or
 * CREATEROLE, no replication, no row-security bypass, and no membership in the server-access roles. Needs a
 * superuser or CREATEROLE connection. The password is set on every call, so the file that holds it stays the truth.
 */
export async function ensureRuntimeRole(client: pg.ClientBase, role: string, password: string): Promise<void> {
  const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(password)}`;
  const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
  if (exists.rowCount === 0) {
    try {
      await client.query(`CREATE ROLE ${ident(role)} ${attributes}`);
    } catch (error) {
      if ((error as { code?: string }).code !== "42710") throw error; // made meanwhile by another starter
      await client.query(`ALTER ROLE ${ident(role)} ${attributes}`);
    }
  } else {
    await client.query(`ALTER ROLE ${ident(role)} ${attributes}`);
  }
  const memberOf = await client.query<{ name: string }>(
    `SELECT g.rolname AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
     WHERE r.rolname = $1 AND g.rolname = ANY($2)`,
    [role, SERVER_ACCESS_ROLES],
  );
  for (const { name } of memberOf.rows) await client.query(`REVOKE ${ident(name)} FROM ${ident(role)}`);
}

/**
 * Refuses when `role` owns anything in the current schema: an owner can alter its tables and drop the audit log's
 * trigger whatever it is granted. That is the case of a runtime role that once ran the migrations itself.
 */
export async function refuseOwnedTables(client: pg.ClientBase, role: string): Promise<void> {
  const owned = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
     WHERE c.relnamespace = ${IN_SCHEMA} AND r.rolname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`,
    [role],
  );
  if (owned.rowCount) {
    const names = owned.rows.map((r) => r.name);
    throw new Error(
      `the runtime role ${role} owns ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", ..." : ""}, so it could alter them and drop the audit log's trigger; ` +
        `make the migration role their owner (as a superuser, in this database: REASSIGN OWNED BY ${role} TO <migration role>) and start again`,
    );
  }
}

/**
 * Gives `role` exactly what the application needs in the current schema, replacing whatever it had: SELECT,
 * INSERT, UPDATE and DELETE on every table (so a table added by any migration is covered), only SELECT and
 * INSERT on append-only ones, nothing on the migrator's table, USAGE on sequences, and no CREATE in the schema.
 * Runs as the tables' owner after the migrations, inside the caller's transaction; refuses a role that owns tables.
 */
export async function grantRuntimeAccess(client: pg.ClientBase, role: string): Promise<void> {
  await refuseOwnedTables(client, role);
  const appendOnly = await client.query<{ name: string }>(
    `SELECT DISTINCT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE c.relnamespace = ${IN_SCHEMA} AND p.proname LIKE '%append\\_only%'
     UNION SELECT c.relname FROM pg_class c WHERE c.relnamespace = ${IN_SCHEMA} AND c.relname = ANY($1)`,
    [APPEND_ONLY_TABLES],
  );
  const schema = ident((await client.query<{ s: string }>("SELECT current_schema() AS s")).rows[0].s);
  const database = ident((await client.query<{ d: string }>("SELECT current_database() AS d")).rows[0].d);
  const who = ident(role);
  const table = (name: string) => `${schema}.${ident(name)}`;
  const existingTables = async (names: string[]) =>
    (await client.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relnamespace = ${IN_SCHEMA} AND relname = ANY($1)`, [names])).rows.map((r) => r.name);

  await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${who}`);
  await client.query(`REVOKE CREATE ON DATABASE ${database} FROM ${who}`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${who}`);
  await client.query(`REVOKE CREATE ON SCHEMA ${schema} FROM ${who}`);
  // Before PostgreSQL 15 every role may create in `public`; this database is Bulwark's, so take that back (a
  // warning, not an error, when the migration role does not own the schema: checkRuntimeRole then says so).
  await client.query(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${who}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${who}`);
  for (const name of await existingTables(MIGRATOR_TABLES)) await client.query(`REVOKE ALL ON ${table(name)} FROM ${who}`);
  for (const { name } of appendOnly.rows) await client.query(`REVOKE UPDATE, DELETE ON ${table(name)} FROM ${who}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${who}`);
  await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${who}`);
}

export interface RoleCheck {
  role: string;
  /** What lets this role do more than the application needs; empty for a least-privilege runtime role. */
  problems: string[];
  /**
   * May create objects in the schema (before PostgreSQL 15 every role may in `public`) or schemas in the database:
   * grantRuntimeAccess takes both back where the migration role owns them.
   */
  canCreateInSchema: boolean;
}

/** Connects with `url` and says what its role could do beyond reading and writing Bulwark's rows. */
export async function checkRuntimeRole(url: string): Promise<RoleCheck> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      role: string;
      rolsuper: boolean;
      rolcreatedb: boolean;
      rolcreaterole: boolean;
      rolreplication: boolean;
      rolbypassrls: boolean;
      server_roles: string[];
      owned: string[];
      can_create: boolean;
    }>(
      `SELECT r.rolname AS role, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
         ARRAY(SELECT g FROM unnest($1::text[]) g WHERE pg_has_role(r.oid, g, 'MEMBER')) AS server_roles,
         ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = ${IN_SCHEMA}
               AND c.relowner = r.oid AND c.relkind IN ('r', 'p')) AS owned,
         has_schema_privilege(r.oid, current_schema(), 'CREATE') OR has_database_privilege(r.oid, current_database(), 'CREATE') AS can_create
       FROM pg_roles r WHERE r.rolname = current_user`,
      [SERVER_ACCESS_ROLES],
    );
    const row = rows[0];
    const problems: string[] = [];
    if (row.rolsuper) problems.push("is a superuser");
    if (row.rolcreaterole) problems.push("can create roles");
    if (row.rolcreatedb) problems.push("can create databases");
    if (row.rolreplication) problems.push("can start replication");
    if (row.rolbypassrls) problems.push("bypasses row security");
    if (!row.rolsuper && row.server_roles.length) problems.push(`is a member of ${row.server_roles.join(", ")}`);
    if (row.owned.length)
      problems.push(
        `owns tables (${row.owned.slice(0, 5).join(", ")}${row.owned.length > 5 ? ", ..." : ""}), so it can alter them and drop the audit log's trigger (give them to the migration role: REASSIGN OWNED BY ${row.role} TO <migration role>)`,
      );
    return { role: row.role, problems, canCreateInSchema: row.can_create };
  } finally {
    await client.end();
  }
}
