// Baseline B: baseline A plus one `INSERT … RETURNING id` in Postgres before the add: the least a
// durable intake log costs. See baseline-app.ts.
import pg from "pg";
import { closeOnSignals, startBaselineServer } from "./baseline-app";
import { parseBaselineEnv } from "./config";

const env = parseBaselineEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
pool.on("error", () => {});
await pool.query(`CREATE TABLE IF NOT EXISTS baseline_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`);

const server = await startBaselineServer(env, {
  record: async (orgId, contact) => {
    const { rows } = await pool.query<{ id: string }>({
      name: "insert-request", // prepared once per connection, like the project's request path
      text: "INSERT INTO baseline_requests (org_id, payload) VALUES ($1, $2) RETURNING id",
      values: [orgId, contact],
    });
    const id = rows[0]?.id;
    if (!id) throw new Error("INSERT returned no id");
    return id;
  },
  checkDatabase: () => pool.query("SELECT 1"),
});
closeOnSignals({
  close: async () => {
    await server.close();
    await pool.end();
  },
});
