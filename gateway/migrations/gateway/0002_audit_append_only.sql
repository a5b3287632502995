-- The audit trail is append-only: no UPDATE, DELETE or TRUNCATE through SQL. (Whoever can disable
-- this trigger can still edit rows; the hash chain and the signed checkpoints make that visible.)
CREATE FUNCTION "gateway"."audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gateway.audit_log is append-only';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "gateway"."audit_log"
  FOR EACH ROW EXECUTE FUNCTION "gateway"."audit_log_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "gateway"."audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "gateway"."audit_log_append_only"();
--> statement-breakpoint
INSERT INTO "gateway"."audit_head" ("id", "seq", "hash") VALUES ('head', 0, repeat('0', 64));
