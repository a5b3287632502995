CREATE SCHEMA "registration";
--> statement-breakpoint
CREATE TYPE "registration"."entity_kind" AS ENUM('ENTERPRISE', 'INDIVIDUAL_BUSINESS', 'COOPERATIVE');--> statement-breakpoint
CREATE TYPE "registration"."operator_status" AS ENUM('ACTIVE', 'REVOKED', 'DEREGISTERED', 'MOVED_OUT');--> statement-breakpoint
CREATE TYPE "registration"."outlet_status" AS ENUM('OPEN', 'CLOSED');--> statement-breakpoint
CREATE TYPE "registration"."outlet_type" AS ENUM('STORE', 'COLLECTION_POINT', 'FACTORY', 'SELF_SERVICE', 'SMART_LOCKER');--> statement-breakpoint
CREATE TABLE "registration"."operators" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"uscc_check_digit_valid" boolean NOT NULL,
	"name" text NOT NULL,
	"entity_kind" "registration"."entity_kind" NOT NULL,
	"status" "registration"."operator_status" NOT NULL,
	"district" varchar(8) NOT NULL,
	"address" text NOT NULL,
	"legal_representative" text NOT NULL,
	"established" date NOT NULL,
	"deregistered" date,
	"business_scope" text NOT NULL,
	"industry_code" varchar(4) DEFAULT '8030' NOT NULL,
	"abnormal_list" boolean DEFAULT false NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration"."outlets" (
	"id" varchar(32) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"name" text NOT NULL,
	"type" "registration"."outlet_type" NOT NULL,
	"address" text NOT NULL,
	"district" varchar(8) NOT NULL,
	"lng" double precision NOT NULL,
	"lat" double precision NOT NULL,
	"services" text[] NOT NULL,
	"opened" date NOT NULL,
	"status" "registration"."outlet_status" NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "registration"."outlets" ADD CONSTRAINT "outlets_uscc_operators_uscc_fk" FOREIGN KEY ("uscc") REFERENCES "registration"."operators"("uscc") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operators_district_uscc_idx" ON "registration"."operators" USING btree ("district","uscc");--> statement-breakpoint
CREATE INDEX "operators_status_uscc_idx" ON "registration"."operators" USING btree ("status","uscc");--> statement-breakpoint
CREATE INDEX "outlets_uscc_idx" ON "registration"."outlets" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "outlets_district_idx" ON "registration"."outlets" USING btree ("district");