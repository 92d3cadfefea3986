import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** nginx as the reference reverse proxy: loopback only, its own config, pid and temp files in dir. */
export async function startNginx(options: { dir: string; port: number; upstreamPort: number; workers: number }): Promise<{ pid: number | undefined; stop(): Promise<void> }> {
  mkdirSync(options.dir, { recursive: true });
  const conf = join(options.dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes ${options.workers};
pid ${join(options.dir, "nginx.pid")};
error_log ${join(options.dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${options.dir}/body;
  proxy_temp_path ${options.dir}/proxy;
  fastcgi_temp_path ${options.dir}/fastcgi;
  uwsgi_temp_path ${options.dir}/uwsgi;
  scgi_temp_path ${options.dir}/scgi;
  upstream bench_upstream { server 127.0.0.1:${options.upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${options.port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
  );
  const child = spawn("nginx", ["-c", conf, "-p", options.dir, "-g", "daemon off;"], { stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${options.port}/`);
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    pid: child.pid,
    stop: async () => {
      child.kill("SIGQUIT");
      await exited;
    },
  };
}
