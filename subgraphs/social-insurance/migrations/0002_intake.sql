CREATE TABLE "social_insurance"."change_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"batch_id" varchar(48) NOT NULL,
	"dataset" varchar(40) NOT NULL,
	"record_key" text NOT NULL,
	"uscc" varchar(18),
	"district" varchar(8) NOT NULL,
	"handler" varchar(20),
	"operation" varchar(10) NOT NULL,
	"changed_fields" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "social_insurance"."intake_batches" (
	"id" varchar(48) PRIMARY KEY NOT NULL,
	"dataset" varchar(40) NOT NULL,
	"kind" varchar(10) NOT NULL,
	"mode" varchar(12) NOT NULL,
	"status" varchar(10) NOT NULL,
	"file_name" text,
	"file_sha256" varchar(64),
	"encoding" varchar(10),
	"rows" integer NOT NULL,
	"new_rows" integer NOT NULL,
	"changed_rows" integer NOT NULL,
	"unchanged_rows" integer NOT NULL,
	"absent_rows" integer NOT NULL,
	"rejected_rows" integer NOT NULL,
	"errors" jsonb,
	"by_sub" text NOT NULL,
	"by_agency" varchar(20) NOT NULL,
	"by_district" varchar(8),
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_headcount" ADD COLUMN "present" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_headcount" ADD COLUMN "absent_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_headcount" ADD COLUMN "batch_id" varchar(48);--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_insurance_status" ADD COLUMN "present" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_insurance_status" ADD COLUMN "absent_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "social_insurance"."unit_insurance_status" ADD COLUMN "batch_id" varchar(48);--> statement-breakpoint
CREATE INDEX "change_log_dataset_seq_idx" ON "social_insurance"."change_log" USING btree ("dataset","seq");--> statement-breakpoint
CREATE INDEX "change_log_at_idx" ON "social_insurance"."change_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "intake_batches_dataset_idx" ON "social_insurance"."intake_batches" USING btree ("dataset","status","finished_at");