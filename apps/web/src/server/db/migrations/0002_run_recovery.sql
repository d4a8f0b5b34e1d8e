ALTER TABLE "workflow_runs" ADD COLUMN "recovered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD COLUMN "recovered_at_step" integer;