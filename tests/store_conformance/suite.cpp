#include "suite.hpp"

namespace signet::conformance {

core::bytes bytes_of(std::string_view s) {
  const auto v = core::as_bytes(s);
  return core::bytes(v.begin(), v.end());
}

store::tenant make_tenant(const std::string& id, const std::string& secret, time_point created) {
  store::tenant t;
  t.id = id;
  t.name = "Tenant " + id;
  t.rp_id = id + ".example.com";
  t.rp_name = "RP " + id;
  t.expected_origins = {"https://" + t.rp_id, "https://login." + t.rp_id};
  t.cors_origins = {"https://app." + t.rp_id};
  t.secret_keys = {secret};
  t.user_verification = "required";
  t.default_action_outcome = "ALLOW";
  t.default_passkey_action = "login";
  t.token_ttl_seconds = 300;
  t.challenge_ttl_seconds = 120;
  t.created_at = created;
  return t;
}

store::action make_action(const std::string& tenant, std::optional<std::string> user, const std::string& code,
                          const std::string& key, time_point created) {
  store::action a;
  a.tenant_id = tenant;
  a.user_id = std::move(user);
  a.action_code = code;
  a.idempotency_key = key;
  a.state = "CHALLENGE_REQUIRED";
  a.state_updated_at = a.created_at = a.updated_at = created;
  a.ip_address = "192.0.2.7";
  a.user_agent = "UA/1.0";
  a.device_id = "device-1";
  a.custom_json = R"({"k":"v"})";
  a.scope = "passkeys:read";
  return a;
}

store::challenge make_challenge(const std::string& tenant, const std::string& id, core::bytes value,
                                time_point expires, std::optional<std::string> user) {
  store::challenge c;
  c.id = id;
  c.tenant_id = tenant;
  c.type = "passkey-authentication";
  c.value = std::move(value);
  c.user_id = std::move(user);
  c.action_code = "login";
  c.idempotency_key = "idem-" + id;
  c.options_json = R"({"uv":"required"})";
  c.created_at = t0;
  c.expires_at = expires;
  return c;
}

store::authenticator make_authenticator(const std::string& tenant, const std::string& user, const std::string& id,
                                        core::bytes credential, time_point created) {
  store::authenticator a;
  a.id = id;
  a.tenant_id = tenant;
  a.user_id = user;
  a.verification_method = "PASSKEY";
  a.credential_id = core::credential_id(std::move(credential));
  a.public_key_cose = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x00, 0xff};
  a.alg = -7;
  a.sign_count = 5;
  a.transports = {"internal", "hybrid"};
  a.aaguid = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd";
  a.backup_eligible = true;
  a.backup_state = false;
  a.user_verified = true;
  a.authenticator_attachment = "platform";
  a.device_id = "device-1";
  a.user_agent = "UA/1.0";
  a.username = "name-" + user;
  a.display_name = "Display " + user;
  a.payment_capable = true;
  a.instrument_display_name = "Card";
  a.created_at = created;
  a.verified_at = created;
  a.last_verified_at = std::nullopt;
  return a;
}

store::action_ref ref_of(const store::action& a) { return {a.user_id, a.action_code, a.idempotency_key, std::nullopt}; }

store::action_completion completion_for(const std::string& user, const std::string& authenticator_id,
                                        time_point now) {
  store::action_completion c;
  c.verification_method = "PASSKEY";
  c.verified_by_authenticator_id = authenticator_id;
  c.device_id = "device-2";
  c.user_agent = "UA/2.0";
  c.user_id = user;
  c.now = now;
  return c;
}

#define SAME(field) EXPECT_TRUE(a.field == b.field) << "field " #field " differs"

void expect_same(const store::tenant& a, const store::tenant& b) {
  SAME(id); SAME(name); SAME(rp_id); SAME(rp_name); SAME(expected_origins); SAME(cors_origins);
  SAME(secret_keys); SAME(user_verification); SAME(default_action_outcome); SAME(default_passkey_action);
  SAME(token_ttl_seconds); SAME(challenge_ttl_seconds); SAME(created_at);
}

void expect_same(const store::user& a, const store::user& b) {
  SAME(tenant_id); SAME(user_id); SAME(email); SAME(email_verified); SAME(phone_number);
  SAME(phone_number_verified); SAME(username); SAME(display_name); SAME(custom_json); SAME(locale);
  SAME(handle); SAME(created_at); SAME(updated_at);
}

void expect_same(const store::action& a, const store::action& b) {
  SAME(tenant_id); SAME(user_id); SAME(action_code); SAME(idempotency_key); SAME(state); SAME(state_updated_at);
  SAME(created_at); SAME(updated_at); SAME(verification_method); SAME(verified_by_authenticator_id);
  SAME(ip_address); SAME(user_agent); SAME(device_id); SAME(custom_json); SAME(scope);
}

void expect_same(const store::challenge& a, const store::challenge& b) {
  SAME(id); SAME(tenant_id); SAME(type); SAME(value); SAME(user_id); SAME(action_code); SAME(idempotency_key);
  SAME(options_json); SAME(created_at); SAME(expires_at);
}

void expect_same(const store::authenticator& a, const store::authenticator& b) {
  SAME(id); SAME(tenant_id); SAME(user_id); SAME(verification_method); SAME(credential_id); SAME(public_key_cose);
  SAME(alg); SAME(sign_count); SAME(transports); SAME(aaguid); SAME(backup_eligible); SAME(backup_state);
  SAME(user_verified); SAME(authenticator_attachment); SAME(device_id); SAME(user_agent); SAME(username);
  SAME(display_name); SAME(payment_capable); SAME(instrument_display_name); SAME(created_at); SAME(verified_at);
  SAME(last_verified_at);
}

#undef SAME

}  // namespace signet::conformance
