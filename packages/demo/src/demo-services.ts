/** The demo learning platform's services: plausible answers for a handful of endpoints each. */

interface DemoRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

interface DemoAnswer {
  status: number;
  body: unknown;
}

type DemoHandler = (req: DemoRequest, params: string[]) => DemoAnswer;

export interface DemoServiceDefinition {
  name: string;
  /** Route prefix the seeded gateway config gives this service. */
  prefix: string;
  description: string;
  endpoints: { method: string; pattern: RegExp; handle: DemoHandler }[];
}

const courses = [
  { id: "cs101", title: "Introduction to Computer Science", seats: 300, level: "beginner" },
  { id: "ma201", title: "Linear Algebra", seats: 120, level: "intermediate" },
  { id: "ph150", title: "Physics for Engineers", seats: 200, level: "beginner" },
  { id: "ml330", title: "Machine Learning", seats: 80, level: "advanced" },
];
const exams = [
  { id: "cs101-final", course: "cs101", opensAt: "2026-12-14T09:00:00Z", durationMinutes: 120, proctored: true },
  { id: "ma201-midterm", course: "ma201", opensAt: "2026-12-02T13:00:00Z", durationMinutes: 90, proctored: false },
];
const sessions = [
  { id: "live-cs101-w12", course: "cs101", startsAt: "2026-11-25T15:00:00Z", host: "Dr. Okafor", attendees: 212 },
  { id: "live-ml330-w12", course: "ml330", startsAt: "2026-11-26T17:00:00Z", host: "Prof. Lindqvist", attendees: 64 },
];

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
const notFound = (what: string): DemoAnswer => ({ status: 404, body: { error: `${what} not found` } });

export const DEMO_SERVICES: DemoServiceDefinition[] = [
  {
    name: "catalog",
    prefix: "/catalog",
    description: "Course catalog: browsing, search and course pages",
    endpoints: [
      { method: "GET", pattern: /^\/courses$/, handle: (r) => ({ status: 200, body: { courses: courses.filter((c) => !r.query.get("level") || c.level === r.query.get("level")) } }) },
      {
        method: "GET",
        pattern: /^\/courses\/([^/]+)$/,
        handle: (_r, [id]) => {
          const c = courses.find((x) => x.id === id);
          return c ? { status: 200, body: c } : notFound("course");
        },
      },
    ],
  },
  {
    name: "enrollment",
    prefix: "/enrollment",
    description: "Enrollments of students into courses",
    endpoints: [
      { method: "GET", pattern: /^\/enrollments$/, handle: () => ({ status: 200, body: { enrollments: [{ student: "s-1042", course: "cs101", status: "active" }] } }) },
      {
        method: "POST",
        pattern: /^\/enrollments$/,
        handle: (r) => {
          const b = (r.body ?? {}) as { student?: string; course?: string };
          if (!b.student || !b.course) return { status: 422, body: { error: "student and course are required" } };
          return { status: 201, body: { id: nextId("enr"), student: b.student, course: b.course, status: "active" } };
        },
      },
    ],
  },
  {
    name: "assessments",
    prefix: "/assessments",
    description: "Exams and proctored exam submissions",
    endpoints: [
      { method: "GET", pattern: /^\/exams$/, handle: () => ({ status: 200, body: { exams } }) },
      {
        method: "POST",
        pattern: /^\/exams\/([^/]+)\/submissions$/,
        handle: (r, [id]) =>
          exams.some((e) => e.id === id)
            ? {
                status: 201,
                body: {
                  receipt: nextId("sub"),
                  exam: id,
                  receivedAt: new Date().toISOString(),
                  answers: Array.isArray((r.body as { answers?: unknown[] })?.answers) ? (r.body as { answers: unknown[] }).answers.length : 0,
                },
              }
            : notFound("exam"),
      },
    ],
  },
  {
    name: "live-classes",
    prefix: "/live",
    description: "Live class sessions",
    endpoints: [
      { method: "GET", pattern: /^\/sessions$/, handle: () => ({ status: 200, body: { sessions } }) },
      {
        method: "GET",
        pattern: /^\/sessions\/([^/]+)$/,
        handle: (_r, [id]) => {
          const s = sessions.find((x) => x.id === id);
          return s ? { status: 200, body: s } : notFound("session");
        },
      },
    ],
  },
];
