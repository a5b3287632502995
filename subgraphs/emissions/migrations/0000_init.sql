CREATE SCHEMA "emissions";
--> statement-breakpoint
CREATE TYPE "emissions"."inspection_kind" AS ENUM('ROUTINE', 'COMPLAINT', 'SPECIAL_CAMPAIGN', 'FOLLOW_UP');--> statement-breakpoint
CREATE TYPE "emissions"."inspection_result" AS ENUM('PASS', 'RECTIFY', 'VIOLATION');--> statement-breakpoint
CREATE TYPE "emissions"."machine_enclosure" AS ENUM('FULLY_ENCLOSED', 'OPEN', 'OPEN_RETROFITTED');--> statement-breakpoint
CREATE TYPE "emissions"."machine_status" AS ENUM('IN_USE', 'RETIRED');--> statement-breakpoint
CREATE TYPE "emissions"."permit_kind" AS ENUM('EIA_APPROVAL', 'EIA_REGISTRATION_FORM', 'DISCHARGE_REGISTRATION');--> statement-breakpoint
CREATE TYPE "emissions"."solvent" AS ENUM('PCE', 'HYDROCARBON', 'D5', 'GLYCOL_ETHER', 'CO2', 'WET_CLEANING');--> statement-breakpoint
CREATE TABLE "emissions"."inspections" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"inspected_on" date NOT NULL,
	"kind" "emissions"."inspection_kind" NOT NULL,
	"result" "emissions"."inspection_result" NOT NULL,
	"issues" text,
	"rectification_due" date,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emissions"."machines" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"outlet_id" varchar(32) NOT NULL,
	"solvent" "emissions"."solvent" NOT NULL,
	"enclosure" "emissions"."machine_enclosure" NOT NULL,
	"capacity_kg" double precision NOT NULL,
	"installed" date NOT NULL,
	"status" "emissions"."machine_status" NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emissions"."penalties" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"decision_number" text NOT NULL,
	"decided" date NOT NULL,
	"violation" text NOT NULL,
	"fine_yuan" integer NOT NULL,
	"publicity_from" date NOT NULL,
	"publicity_until" date NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emissions"."permits" (
	"id" varchar(40) PRIMARY KEY NOT NULL,
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"kind" "emissions"."permit_kind" NOT NULL,
	"document_number" text NOT NULL,
	"issued" date NOT NULL,
	"valid_until" date,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emissions"."solvent_ledger" (
	"uscc" varchar(18) NOT NULL,
	"district" varchar(8) NOT NULL,
	"month" date NOT NULL,
	"solvent" "emissions"."solvent" NOT NULL,
	"purchased_kg" double precision NOT NULL,
	"consumed_kg" double precision NOT NULL,
	"garments_kg" double precision NOT NULL,
	"residue_kg" double precision NOT NULL,
	"manifest_number" text,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "solvent_ledger_pk" PRIMARY KEY("uscc","month","solvent")
);
--> statement-breakpoint
CREATE INDEX "inspections_uscc_date_idx" ON "emissions"."inspections" USING btree ("uscc","inspected_on");--> statement-breakpoint
CREATE INDEX "inspections_district_idx" ON "emissions"."inspections" USING btree ("district");--> statement-breakpoint
CREATE INDEX "machines_uscc_idx" ON "emissions"."machines" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "machines_outlet_id_idx" ON "emissions"."machines" USING btree ("outlet_id");--> statement-breakpoint
CREATE INDEX "machines_district_idx" ON "emissions"."machines" USING btree ("district");--> statement-breakpoint
CREATE INDEX "penalties_uscc_idx" ON "emissions"."penalties" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "penalties_district_idx" ON "emissions"."penalties" USING btree ("district");--> statement-breakpoint
CREATE INDEX "permits_uscc_idx" ON "emissions"."permits" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "permits_district_idx" ON "emissions"."permits" USING btree ("district");--> statement-breakpoint
CREATE INDEX "solvent_ledger_district_idx" ON "emissions"."solvent_ledger" USING btree ("district");