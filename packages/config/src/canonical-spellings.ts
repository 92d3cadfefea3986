// The table of spellings docs/gateway.md shows (npm run docs) and canonical-form.test.ts checks, row by row: each
// raw path or Host the gateway may receive, the one form it routes, applies policies to and forwards, and why.

export interface Spelling {
  /** As the client sent it. */
  raw: string;
  /** What the gateway routes on and forwards, or null: refused with 400 BAD_REQUEST. */
  canonical: string | null;
  why: string;
}

export const PATH_SPELLINGS: readonly Spelling[] = [
  { raw: "/exams/42", canonical: "/exams/42", why: "already canonical" },
  { raw: "/exams//42", canonical: "/exams/42", why: "empty segments collapse" },
  { raw: "/exams/./42", canonical: "/exams/42", why: "`.` segments are removed" },
  { raw: "/catalog/../exams/42", canonical: "/exams/42", why: "`..` removes the segment before it" },
  { raw: "/exams/%2e%2e/admin", canonical: "/admin", why: "encoded dots are dots" },
  { raw: "/exams/", canonical: "/exams/", why: "forwarded with its slash; routed as `/exams`" },
  { raw: "/exams/.", canonical: "/exams/", why: "a trailing `.` names the directory; routed as `/exams`" },
  { raw: "/exams;jsessionid=1/42", canonical: "/exams/42", why: "`;` parameters are cut from each segment, as Tomcat and Spring do" },
  { raw: "/exams/42;v=2", canonical: "/exams/42", why: "likewise in the last segment" },
  { raw: "/exams/..;/admin", canonical: "/admin", why: "parameters are cut before dot segments resolve, as Tomcat does" },
  { raw: "/exams/a%3Bb", canonical: "/exams/a%3Bb", why: "an encoded `;` is part of the name, for Tomcat too" },
  { raw: "/%7Estudent", canonical: "/~student", why: "unreserved characters are decoded (RFC 3986 6.2.2.2)" },
  { raw: "/pay%24/x%40y", canonical: "/pay$/x@y", why: "characters a path may hold literally (sub-delims, `:`, `@`) are decoded, as frameworks do" },
  { raw: "/caf%c3%a9", canonical: "/caf%C3%A9", why: "other escapes stay, with upper-case hex (RFC 3986 6.2.2.1)" },
  { raw: "/a%20b", canonical: "/a%20b", why: "a space stays encoded" },
  { raw: "/a%25b", canonical: "/a%25b", why: "an encoded `%` stays encoded, so nothing is decoded twice" },
  { raw: "/a%3fb", canonical: "/a%3Fb", why: "an encoded `?` stays encoded" },
  { raw: "/a{b}", canonical: "/a%7Bb%7D", why: "characters a path may not hold literally are encoded" },
  { raw: "/a%2fb", canonical: null, why: "an encoded slash would name another path to some upstreams" },
  { raw: "/a%5cb", canonical: null, why: "an encoded backslash likewise" },
  { raw: "/a\\b", canonical: null, why: "a backslash is a slash to Windows servers" },
  { raw: "/a%00b", canonical: null, why: "NUL ends strings in C" },
  { raw: "/a%0d%0ab", canonical: null, why: "control characters are refused" },
  { raw: "/a%zz", canonical: null, why: "a `%` must start a two-digit hex escape" },
  { raw: "/..", canonical: null, why: "climbs above the root" },
  { raw: "/a/../../b", canonical: null, why: "likewise" },
  { raw: "*", canonical: null, why: "not an origin-form path" },
];

export const HOST_SPELLINGS: readonly Spelling[] = [
  { raw: "exams.example.edu", canonical: "exams.example.edu", why: "already canonical" },
  { raw: "Exams.Example.EDU", canonical: "exams.example.edu", why: "host names are case-insensitive" },
  { raw: "exams.example.edu.", canonical: "exams.example.edu", why: "the root's trailing dot is dropped" },
  { raw: "exams.example.edu:80", canonical: "exams.example.edu", why: "the default port is dropped" },
  { raw: "exams.example.edu:8080", canonical: "exams.example.edu:8080", why: "another port is kept (and forwarded)" },
  { raw: "[::1]:80", canonical: "[::1]", why: "IPv6 literals likewise" },
  { raw: "exams.example.edu:", canonical: null, why: "an empty port" },
  { raw: "exams.example.edu:0", canonical: null, why: "port 0" },
  { raw: "exams%2eexample.edu", canonical: null, why: "percent-encoded host names are refused" },
  { raw: "exams..example.edu", canonical: null, why: "an empty label" },
  { raw: "exams.example.edu, evil.example", canonical: null, why: "two hosts in one field" },
];
