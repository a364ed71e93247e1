// A frontend's first session, written against the types generated from the
// server's OpenAPI document: it must type-check (a renamed field, a missing
// schema or an untyped body breaks `tsc`) and then run against the server.
// Each step checks its status and a property of the typed body, prints one
// line, and the first failure ends the program with exit code 1.
//
// Usage: node dist/walk.js BASE_URL   (e.g. http://127.0.0.1:8080)
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/api.js";

type Todo = components["schemas"]["Todo"];
type Problem = components["schemas"]["Problem"];

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node dist/walk.js BASE_URL");
  process.exit(2);
}

const client = createClient<paths>({ baseUrl });
let accessToken: string | undefined;
const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
    return request;
  },
};
client.use(bearer);

let stepNumber = 0;

class StepFailure extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new StepFailure(what);
}

function expectStatus(response: Response, status: number, error: Problem | undefined): void {
  if (response.status !== status) {
    const detail = error ? ` (${error.code}: ${error.detail})` : "";
    throw new StepFailure(`expected ${status}, got ${response.status}${detail}`);
  }
}

async function step(name: string, run: () => Promise<void>): Promise<void> {
  stepNumber += 1;
  try {
    await run();
  } catch (error) {
    console.log(`FAIL ${stepNumber} ${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  console.log(`ok  ${stepNumber} ${name}`);
}

const unique = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const email = `walker-${unique}@example.com`;
const password = "walk-passw0rd";
let categoryId = "";
let todo: Todo | undefined;
let staleVersion = 0;

await step("register", async () => {
  const { data, error, response } = await client.POST("/api/v1/auth/register", {
    body: { email, username: `walker_${unique}`, password },
  });
  expectStatus(response, 201, error);
  check(data !== undefined && data.email === email, "the new user carries the email");
  check(response.headers.get("Location") === "/api/v1/users/me", "Location names /api/v1/users/me");
});

await step("login", async () => {
  const { data, error, response } = await client.POST("/api/v1/auth/login", {
    body: { email, password },
  });
  expectStatus(response, 200, error);
  check(data !== undefined && data.token_type === "Bearer", "token_type is Bearer");
  check(data.expires_in > 0, "expires_in is positive");
  accessToken = data.access_token;
});

await step("create category", async () => {
  const { data, error, response } = await client.POST("/api/v1/categories", {
    body: { name: "Work", color: "#3366ff" },
  });
  expectStatus(response, 201, error);
  check(data !== undefined && data.name === "Work", "the category is named Work");
  check(data.todo_count === 0, "a new category counts no todo");
  categoryId = data.id;
});

await step("create todos with tags", async () => {
  const first = await client.POST("/api/v1/todos", {
    body: {
      title: "Write the quarterly report",
      priority: "high",
      due_date: "2031-03-01T09:00:00Z",
      category_id: categoryId,
      tags: ["report", "q1"],
    },
  });
  expectStatus(first.response, 201, first.error);
  check(first.data !== undefined, "a body");
  check(first.data.status === "pending", "a new todo is pending");
  check(first.data.category?.id === categoryId, "the todo is in the category");
  check(
    first.data.tags.map((tag) => tag.name).sort().join(",") === "q1,report",
    "the todo carries its two tags",
  );
  todo = first.data;
  // One that the filters below must leave out: another tag, another status.
  const second = await client.POST("/api/v1/todos", {
    body: { title: "Water the plants", status: "completed", tags: ["home"] },
  });
  expectStatus(second.response, 201, second.error);
  check(second.data?.completed_at != null, "a todo created completed has completed_at");
});

await step("list with filters (status, tag, sort)", async () => {
  const { data, error, response } = await client.GET("/api/v1/todos", {
    params: {
      query: { status: ["pending", "in_progress"], tag: ["report"], sort_by: "due_date", sort_order: "asc" },
    },
  });
  expectStatus(response, 200, error);
  check(data !== undefined && data.total === 1, `total is 1 (got ${data?.total})`);
  check(data.items.length === 1 && data.items[0]?.id === todo?.id, "the one matching todo");
  check(data.links.self.includes("tag=report"), "the self link keeps the filters");
});

await step("patch status with the current version", async () => {
  check(todo !== undefined, "a todo from the steps before");
  const { data, error, response } = await client.PATCH("/api/v1/todos/{id}", {
    params: { path: { id: todo.id } },
    body: { status: "in_progress", version: todo.version },
  });
  expectStatus(response, 200, error);
  check(data !== undefined && data.status === "in_progress", "the status changed");
  check(data.version === todo.version + 1, "the version went up by one");
  staleVersion = todo.version;
  todo = data;
});

await step("stale patch is 409 with errors.version", async () => {
  check(todo !== undefined, "a todo from the steps before");
  const { data, error, response } = await client.PATCH("/api/v1/todos/{id}", {
    params: { path: { id: todo.id } },
    body: { title: "A lost update", version: staleVersion },
  });
  expectStatus(response, 409, error);
  check(data === undefined && error !== undefined, "an error body");
  check(error.code === "conflict", `code is conflict (got ${error.code})`);
  const messages = error.errors?.["version"];
  check(messages !== undefined && messages.length > 0, "errors.version names the stale version");
});

await step("empty title is 422 with errors.title", async () => {
  const { error, response } = await client.POST("/api/v1/todos", { body: { title: "" } });
  expectStatus(response, 422, error);
  check(error !== undefined && error.code === "validation_error", "code is validation_error");
  const messages = error.errors?.["title"];
  check(messages !== undefined && messages.length > 0, "errors.title says what is wrong");
});

await step("status history of the todo", async () => {
  check(todo !== undefined, "a todo from the steps before");
  const { data, error, response } = await client.GET("/api/v1/todos/{id}/history", {
    params: { path: { id: todo.id } },
  });
  expectStatus(response, 200, error);
  check(data !== undefined && data.length >= 1, "at least one entry");
  const last = data[data.length - 1];
  check(last !== undefined && last.to_status === "in_progress", "the last change is to in_progress");
  check(last.from_status === "pending", "from pending");
});

await step("todo stats", async () => {
  const { data, error, response } = await client.GET("/api/v1/todos/stats");
  expectStatus(response, 200, error);
  check(data !== undefined, "a body");
  check(data.by_status.in_progress === 1 && data.by_status.completed === 1, "counts by status");
  check(data.by_priority.high === 1, "counts by priority");
  check(data.completed_per_day.length === 30, "30 days of completions");
  check(data.completed_last_7_days === 1, "one completion in the last 7 days");
});

console.log(`walk: ${stepNumber} passed, 0 failed`);
