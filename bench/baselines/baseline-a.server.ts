// Baseline A: Express 5 + zod + BullMQ `queue.add` (no database). See baseline-app.ts.
import { closeOnSignals, startBaselineServer } from "./baseline-app";
import { parseBaselineEnv } from "./config";

closeOnSignals(await startBaselineServer(parseBaselineEnv(), {}));
