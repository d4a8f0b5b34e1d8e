ALTER TABLE "workflow_artifacts" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "workflow_artifacts" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD COLUMN "wake_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_artifacts_dedupe_idx" ON "workflow_artifacts" USING btree ("workflow_run_step_id","dedupe_key") WHERE "workflow_artifacts"."dedupe_key" is not null;--> statement-breakpoint
CREATE INDEX "workflow_runs_wake_idx" ON "workflow_runs" USING btree ("wake_at") WHERE "workflow_runs"."wake_at" is not null;