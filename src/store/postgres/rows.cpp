#include "rows.hpp"
#include "signet/store/text_list.hpp"

#include <sstream>

namespace signet::store::postgres {

tenant read_tenant(const result& r, int i) {
  tenant t;
  t.id = r.text(i, 0);
  t.name = r.text(i, 1);
  t.rp_id = r.text(i, 2);
  t.rp_name = r.text(i, 3);
  t.expected_origins = split_lines(r.text(i, 4));
  t.cors_origins = split_lines(r.text(i, 5));
  t.user_verification = r.text(i, 6);
  t.default_action_outcome = r.text(i, 7);
  t.default_passkey_action = r.text(i, 8);
  t.token_ttl_seconds = r.integer(i, 9);
  t.challenge_ttl_seconds = r.integer(i, 10);
  t.created_at = r.time(i, 11);
  return t;
}

user read_user(const result& r, int i) {
  user u;
  u.tenant_id = r.text(i, 0);
  u.user_id = r.text(i, 1);
  u.email = r.opt_text(i, 2);
  u.email_verified = r.boolean(i, 3);
  u.phone_number = r.opt_text(i, 4);
  u.phone_number_verified = r.boolean(i, 5);
  u.username = r.opt_text(i, 6);
  u.display_name = r.opt_text(i, 7);
  u.custom_json = r.opt_text(i, 8);
  u.locale = r.opt_text(i, 9);
  if (!r.is_null(i, 10)) u.handle = core::user_handle(r.blob(i, 10));
  u.created_at = r.time(i, 11);
  u.updated_at = r.time(i, 12);
  return u;
}

action read_action(const result& r, int i, int c) {
  action a;
  a.tenant_id = r.text(i, c + 0);
  a.user_id = r.opt_text(i, c + 1);
  a.action_code = r.text(i, c + 2);
  a.idempotency_key = r.text(i, c + 3);
  a.state = r.text(i, c + 4);
  a.state_updated_at = r.time(i, c + 5);
  a.created_at = r.time(i, c + 6);
  a.updated_at = r.time(i, c + 7);
  a.verification_method = r.opt_text(i, c + 8);
  a.verified_by_authenticator_id = r.opt_text(i, c + 9);
  a.ip_address = r.opt_text(i, c + 10);
  a.user_agent = r.opt_text(i, c + 11);
  a.device_id = r.opt_text(i, c + 12);
  a.custom_json = r.opt_text(i, c + 13);
  a.scope = r.text(i, c + 14);
  return a;
}

authenticator read_authenticator(const result& r, int i) {
  authenticator a;
  a.id = r.text(i, 0);
  a.tenant_id = r.text(i, 1);
  a.user_id = r.text(i, 2);
  a.verification_method = r.text(i, 3);
  a.credential_id = core::credential_id(r.blob(i, 4));
  a.public_key_cose = r.blob(i, 5);
  a.alg = static_cast<std::int32_t>(r.integer(i, 6));
  a.sign_count = static_cast<std::uint32_t>(r.integer(i, 7));
  a.transports = split_lines(r.text(i, 8));
  a.aaguid = r.text(i, 9);
  a.backup_eligible = r.boolean(i, 10);
  a.backup_state = r.boolean(i, 11);
  a.user_verified = r.boolean(i, 12);
  a.authenticator_attachment = r.opt_text(i, 13);
  a.device_id = r.opt_text(i, 14);
  a.user_agent = r.opt_text(i, 15);
  a.username = r.opt_text(i, 16);
  a.display_name = r.opt_text(i, 17);
  a.payment_capable = r.boolean(i, 18);
  a.instrument_display_name = r.opt_text(i, 19);
  a.created_at = r.time(i, 20);
  a.verified_at = r.time(i, 21);
  a.last_verified_at = r.opt_time(i, 22);
  return a;
}

challenge read_challenge(const result& r, int i) {
  challenge ch;
  ch.id = r.text(i, 0);
  ch.tenant_id = r.text(i, 1);
  ch.type = r.text(i, 2);
  ch.value = r.blob(i, 3);
  ch.user_id = r.opt_text(i, 4);
  ch.action_code = r.opt_text(i, 5);
  ch.idempotency_key = r.opt_text(i, 6);
  ch.options_json = r.text(i, 7);
  ch.created_at = r.time(i, 8);
  ch.expires_at = r.time(i, 9);
  return ch;
}

bool insert_action_on(connection& c, const action& a) {
  static const std::string sql =
      sql_of("INSERT INTO actions (", k_action_cols,
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING");
  params p;
  p.add(a.tenant_id).add(a.user_id).add(a.action_code).add(a.idempotency_key).add(a.state);
  p.add(a.state_updated_at).add(a.created_at).add(a.updated_at).add(a.verification_method);
  p.add(a.verified_by_authenticator_id).add(a.ip_address).add(a.user_agent).add(a.device_id);
  p.add(a.custom_json).add(a.scope);
  return c.run(sql, p).affected() > 0;
}

/// Completes an action inside the caller's transaction; a pending action (no user) is assigned the
/// completing user. Returns false if the action does not exist (or is no longer pending). Under
/// READ COMMITTED a concurrent completion of the same pending action waits for the row lock and then
/// re-checks `user_id IS NULL`, so a pending action is claimed once.
bool complete_action_on(connection& c, std::string_view tenant_id, const action_ref& ref,
                        const action_completion& done) {
  const char* sql =
      ref.user_id
          ? "UPDATE actions SET state = $5, state_updated_at = $6, updated_at = $6, verification_method = $7, "
            "verified_by_authenticator_id = $8, device_id = COALESCE($9, device_id), "
            "user_agent = COALESCE($10, user_agent) WHERE tenant_id = $1 AND user_id = $2 AND action_code = $3 "
            "AND idempotency_key = $4"
          : "UPDATE actions SET state = $5, state_updated_at = $6, updated_at = $6, verification_method = $7, "
            "verified_by_authenticator_id = $8, device_id = COALESCE($9, device_id), "
            "user_agent = COALESCE($10, user_agent), user_id = $2 WHERE tenant_id = $1 AND user_id IS NULL AND "
            "action_code = $3 AND idempotency_key = $4";
  params p;
  p.add(tenant_id).add(ref.user_id ? *ref.user_id : done.user_id).add(ref.action_code).add(ref.idempotency_key);
  p.add(done.state).add(done.now).add(done.verification_method).add(done.verified_by_authenticator_id);
  p.add(done.device_id).add(done.user_agent);
  return c.run(sql, p).affected() > 0;
}

}  // namespace signet::store::postgres
