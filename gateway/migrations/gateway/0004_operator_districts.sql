CREATE TABLE "gateway"."operator_districts" (
	"uscc" varchar(18) PRIMARY KEY NOT NULL,
	"district" varchar(8) NOT NULL
);
--> statement-breakpoint
CREATE INDEX "operator_districts_district_idx" ON "gateway"."operator_districts" USING btree ("district");