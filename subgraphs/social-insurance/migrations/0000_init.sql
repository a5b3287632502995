CREATE SCHEMA "social_insurance";
--> statement-breakpoint
CREATE TYPE "social_insurance"."headcount_band" AS ENUM('NONE', 'FROM_1_TO_5', 'FROM_6_TO_20', 'FROM_21_TO_50', 'OVER_50');--> statement-breakpoint
CREATE TYPE "social_insurance"."insurance_type" AS ENUM('PENSION', 'UNEMPLOYMENT', 'MEDICAL', 'WORK_INJURY', 'MATERNITY');--> statement-breakpoint
CREATE TYPE "social_insurance"."payment_status" AS ENUM('PAYING', 'SUSPENDED', 'TERMINATED');--> statement-breakpoint
CREATE TABLE "social_insurance"."unit_headcount" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"district" varchar(8) NOT NULL,
	"band" "social_insurance"."headcount_band" NOT NULL,
	"as_of_period" varchar(7) NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unit_headcount_as_of_period_check" CHECK ("social_insurance"."unit_headcount"."as_of_period" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')
);
--> statement-breakpoint
CREATE TABLE "social_insurance"."unit_insurance_status" (
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"type" "social_insurance"."insurance_type" NOT NULL,
	"payment_status" "social_insurance"."payment_status" NOT NULL,
	"in_arrears" boolean DEFAULT false NOT NULL,
	"arrears_months" integer DEFAULT 0 NOT NULL,
	"last_paid_period" varchar(7),
	"as_of_period" varchar(7) NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unit_insurance_status_pk" PRIMARY KEY("uscc","type"),
	CONSTRAINT "unit_insurance_status_arrears_check" CHECK ("social_insurance"."unit_insurance_status"."arrears_months" >= 0 and "social_insurance"."unit_insurance_status"."in_arrears" = ("social_insurance"."unit_insurance_status"."arrears_months" > 0)),
	CONSTRAINT "unit_insurance_status_last_paid_period_check" CHECK ("social_insurance"."unit_insurance_status"."last_paid_period" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
	CONSTRAINT "unit_insurance_status_as_of_period_check" CHECK ("social_insurance"."unit_insurance_status"."as_of_period" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')
);
--> statement-breakpoint
CREATE INDEX "unit_headcount_district_band_idx" ON "social_insurance"."unit_headcount" USING btree ("district","band");--> statement-breakpoint
CREATE INDEX "unit_insurance_status_district_uscc_idx" ON "social_insurance"."unit_insurance_status" USING btree ("district","uscc");