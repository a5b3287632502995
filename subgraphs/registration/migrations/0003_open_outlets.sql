DROP INDEX "registration"."outlets_uscc_idx";--> statement-breakpoint
CREATE INDEX "outlets_uscc_status_idx" ON "registration"."outlets" USING btree ("uscc","status");