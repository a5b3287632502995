CREATE TABLE "gateway"."audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" varchar(64) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gateway"."audit_head" (
	"id" varchar(8) PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" varchar(64) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gateway"."audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" varchar(20) NOT NULL,
	"request_id" varchar(64) NOT NULL,
	"sub" text,
	"agency" varchar(20),
	"level" varchar(10),
	"district" varchar(8),
	"operation_name" text,
	"operation_hash" varchar(64),
	"disclosed" jsonb NOT NULL,
	"refused" jsonb NOT NULL,
	"detail" jsonb,
	"prev_hash" varchar(64) NOT NULL,
	"hash" varchar(64) NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "gateway"."audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_agency_idx" ON "gateway"."audit_log" USING btree ("agency","at");