DROP INDEX "workflow_runs_finished_idx";--> statement-breakpoint
CREATE INDEX "workflow_runs_finished_idx" ON "workflow_runs" USING btree ("project_id","status",coalesce("completed_at", "cancelled_at"));--> statement-breakpoint
-- Room on each page for a run's row to be rewritten in place as its steps move it (HOT updates).
ALTER TABLE "workflow_runs" SET (fillfactor = 70);
