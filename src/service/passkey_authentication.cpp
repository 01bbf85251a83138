// C3 authentication options, C4 verify passkey, C5 action challenge, C6 lookup, C7 list
// (contract §6.3–§6.7, §7, §10.2).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "ceremony_record.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/imported_key.hpp"
#include "signet/service/passkeys.hpp"
#include "signet/service/server_api.hpp"
#include "wire_checks.hpp"

namespace signet::service {
namespace json = boost::json;

namespace {

std::optional<payment_details> payment_of(const store::action& a) {
  if (!a.custom_json) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*a.custom_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  using detail::string_member;
  payment_details p{string_member(o, "amount"), string_member(o, "currency"), string_member(o, "payeeName"),
                    string_member(o, "payeeOrigin")};
  if (!p.amount || !p.currency) return std::nullopt;
  return p;
}

bool same_action(const store::challenge& ch, const store::action& a) {
  return ch.action_code == a.action_code && ch.idempotency_key == a.idempotency_key;
}

}  // namespace

result<request_options> passkey_service::authentication_options(const client_principal& who,
                                                                 const authentication_options_request& req,
                                                                 bool security_key) {
  const store::tenant& tenant = *who.tenant;
  const bearer_context* bearer = who.bearer ? &*who.bearer : nullptr;
  const auto now = clock_.now();
  const std::string method = security_key ? "SECURITY_KEY" : "PASSKEY";
  if (req.secure_payment_confirmation && !bearer)
    return make_error(errc::invalid_request, "Secure Payment Confirmation needs a Bearer token.");

  request_options o;
  o.rp_id = tenant.rp_id;
  o.user_verification = tenant.user_verification;
  o.spc = req.secure_payment_confirmation;
  if (o.spc) o.user_verification = "required";

  // The challenge record: fresh, or the `action` challenge of a C5 call becoming this ceremony.
  const auto expires_at = now + std::chrono::seconds(tenant.challenge_ttl_seconds);
  std::optional<std::string> action_code, idempotency_key, owner;
  if (bearer) {
    owner = bearer->user.user_id;
    action_code = bearer->action.action_code;
    idempotency_key = bearer->action.idempotency_key;
  }
  if (req.challenge_id) {
    auto seen = stores_.challenges.peek_challenge(tenant.id, *req.challenge_id, now);
    const bool ok = seen && seen->type == detail::type_action && (!bearer || same_action(*seen, bearer->action));
    // Taken only as an `action` challenge: a concurrent C3 that already turned it into a sign-in
    // challenge under the same id must not lose it to this call.
    if (!ok || !stores_.challenges.take_challenge_of_type(tenant.id, *req.challenge_id, detail::type_action, now))
      return make_error(errc::invalid_request, "The challengeId is unknown, expired, already used or not an action challenge.");
    o.challenge_id = *req.challenge_id;
    action_code = seen->action_code;
    idempotency_key = seen->idempotency_key;
    if (seen->user_id) owner = seen->user_id;
  } else {
    o.challenge_id = challenge_id(rng_, expires_at);
  }

  // allowCredentials.
  std::optional<core::user_handle> identified;
  auto add = [&](const store::credential_ref& a) {
    if (a.verification_method != method) return;
    if (o.spc && !a.payment_capable) return;
    o.allow_credentials.push_back({a.credential_id, a.transports});
    if (o.spc) o.payment_instruments.emplace_back(a.credential_id, a.instrument_display_name.value_or(""));
  };
  if (bearer) {
    for (const auto& a : stores_.authenticators.list_credentials(tenant.id, bearer->user.user_id)) add(a);
    if (bearer->user.handle) identified = bearer->user.handle;
    if (o.spc) {
      if (o.allow_credentials.empty())
        return make_error(errc::not_found, "The user has no payment-capable passkey.");
      o.payment = payment_of(bearer->action);
    }
  } else if (req.username) {
    store::user_query q;
    q.username = req.username;
    q.limit = 10;
    for (const auto& u : stores_.users.query_users(tenant.id, q))
      for (const auto& a : stores_.authenticators.list_credentials(tenant.id, u.user_id)) add(a);
  }

  o.challenge = core::challenge(challenge_value(rng_, expires_at, challenge_size));
  core::begin_authentication_options b;
  b.rp_id = core::rp_id(tenant.rp_id);
  b.challenge = o.challenge;
  b.now = now;
  b.timeout = std::chrono::seconds(tenant.challenge_ttl_seconds);
  b.user_verification = detail::uv_requirement(o.user_verification);
  b.user = identified;
  for (const auto& d : o.allow_credentials) b.allow_credentials.push_back(d.id);
  auto ceremony = core::begin_authentication(b);
  if (!ceremony) {
    spdlog::error("begin_authentication refused the options: {}", ceremony.error().message());
    return make_error(errc::unavailable, "The authentication ceremony could not be started.");
  }

  detail::ceremony_record rec;
  rec.ceremony = ceremony->serialize();
  rec.bearer = bearer != nullptr;
  rec.spc = o.spc;
  if (o.payment) {
    rec.amount = o.payment->amount;
    rec.currency = o.payment->currency;
    rec.payee_name = o.payment->payee_name;
    rec.payee_origin = o.payment->payee_origin;
  }
  store::challenge ch;
  ch.id = o.challenge_id;
  ch.tenant_id = tenant.id;
  ch.type = security_key ? detail::type_security_key_authentication : detail::type_passkey_authentication;
  ch.value = o.challenge.value();
  ch.user_id = owner;
  ch.action_code = action_code;
  ch.idempotency_key = idempotency_key;
  ch.options_json = detail::to_json(rec);
  ch.created_at = now;
  ch.expires_at = expires_at;
  stores_.challenges.create_challenge(ch);
  return o;
}

result<verify_passkey_result> passkey_service::verify_passkey(const client_principal& who,
                                                              const verify_passkey_request& req,
                                                              const request_meta& meta, bool security_key) {
  const store::tenant& tenant = *who.tenant;
  const bearer_context* bearer = who.bearer ? &*who.bearer : nullptr;
  const std::string_view type =
      security_key ? detail::type_security_key_authentication : detail::type_passkey_authentication;
  const std::string method = security_key ? "SECURITY_KEY" : "PASSKEY";

  // §6.4 step 2: shape.
  auto shape = detail::check_authentication_shape(req.credential_json);
  if (!shape) return shape.error();

  // Step 3: the challenge (tenant, type, unexpired, unused). A ceremony started under Bearer must be
  // finished under a token of the same action; that is checked before consuming it.
  const auto now = clock_.now();
  std::optional<detail::ceremony_record> rec;
  auto same_ceremony_action = [&](const store::challenge& c) -> std::optional<error> {
    rec = detail::from_json(c.options_json);
    if (rec && rec->bearer && (!bearer || !same_action(c, bearer->action) || c.user_id != bearer->user.user_id))
      return make_error(errc::invalid_request, "This challenge belongs to another action.");
    return std::nullopt;
  };
  // With a challengeId the challenge is checked here and consumed by the sign-in's own write below
  // (one commit for a successful ceremony); every other way out from here on consumes it as well.
  auto taken = detail::check_or_take_challenge(stores_.challenges, tenant.id, type, req.challenge_id,
                                               shape->challenge, nullptr, now, same_ceremony_action);
  if (!taken) return taken.error();
  const store::challenge ch = std::move(*taken);
  detail::consume_unless_committed consume(stores_.challenges, tenant.id, req.challenge_id ? ch.id : std::string(),
                                           now);
  auto used_elsewhere = [&] {
    spdlog::info("authentication rejected: ceremony={} code=challenge_used_concurrently", ch.id);
    return detail::challenge_unusable();
  };
  auto ceremony = rec ? core::authentication_ceremony::restore(rec->stored_ceremony)
                      : boost::system::result<core::authentication_ceremony>(core::errc::ceremony_options_invalid);
  if (!rec || !ceremony) return make_error(errc::invalid_request, "The challenge record is unreadable.");

  // Step 4: type and id/rawId, then the credential.
  if (auto ident = detail::check_credential_identity(*shape, "authentication", ch.id); !ident) return ident.error();
  auto response = core::parse_authentication_response_json(req.credential_json);
  if (!response) return detail::credential_error("authentication", ch.id, response.error());
  auto cred = stores_.authenticators.find_authenticator_by_credential(tenant.id, response->raw_id);
  if (!cred || cred->verification_method != method) {
    spdlog::info("authentication rejected: ceremony={} code=unknown_credential", ch.id);
    return make_error(errc::unknown_credential, "This credential is not registered.");
  }
  // Step 5: under Bearer, the token's user must own it.
  if (bearer && cred->user_id != bearer->user.user_id) {
    spdlog::info("authentication rejected: ceremony={} code=credential_of_another_user", ch.id);
    return make_error(errc::invalid_credential, "The credential belongs to another user.");
  }
  if (rec->spc && !cred->payment_capable) {
    spdlog::info("authentication rejected: ceremony={} code=not_payment_capable", ch.id);
    return make_error(errc::invalid_credential, "The credential is not payment-capable.");
  }
  // Under Bearer the owner is the token's user, read at the start of this request.
  auto owner = bearer ? std::optional<store::user>(bearer->user) : stores_.users.find_user(tenant.id, cred->user_id);
  if (!owner || !owner->handle) return make_error(errc::unknown_credential, "This credential is not registered.");

  // Steps 6–10: core verification (§7.2): user handle, client data, authenticator data, signature, counter.
  core::stored_credential stored;
  stored.id = cred->credential_id;
  stored.public_key_cose = cred->public_key_cose;
  stored.sign_count = cred->sign_count;
  stored.user = *owner->handle;
  stored.backup_eligible = cred->backup_eligible;
  core::policy policy;
  policy.require_user_verification = false;  // the ceremony's userVerification decides
  // §10.2: an SPC ceremony verifies a "payment.get" assertion for the action's transaction.
  std::optional<core::payment_expectations> payment;
  if (rec->spc) {
    if (!rec->amount || !rec->currency)
      return make_error(errc::invalid_request, "The action has no transaction (custom amount and currency).");
    payment.emplace();
    payment->amount = *rec->amount;
    payment->currency = *rec->currency;
    if (rec->payee_name) payment->payee_name = *rec->payee_name;
    if (rec->payee_origin) payment->payee_origin = *rec->payee_origin;
  }
  core::finish_authentication_options f;
  f.ceremony = &*ceremony;
  f.response = &*response;
  f.credential = &stored;
  f.origins = tenant.expected_origins;
  f.policy = &policy;
  f.now = now;
  f.payment = payment ? &*payment : nullptr;
  // The stored key imported at an earlier sign-in, if cached; core uses it only if it was imported
  // from exactly these bytes, and parses them itself when it is null (a key that does not import).
  const auto imported = keys_.get(stored.public_key_cose);
  auto verified = core::finish_authentication(f, imported.get());
  if (!verified) {
    // A concurrent attempt with the same assertion may have won meanwhile (its sign count is now
    // stored): then the challenge is gone, and that is the error this attempt gets, as it would
    // had it lost the take.
    if (consume.gone()) return used_elsewhere();
    return detail::credential_error("authentication", ch.id, verified.error());
  }

  // Step 12: the action this sign-in completes.
  store::action_ref ref;
  store::action action;
  if (bearer) {
    ref = {bearer->user.user_id, bearer->action.action_code, bearer->action.idempotency_key, std::nullopt};
    action = bearer->action;
  } else if (ch.action_code && ch.idempotency_key) {
    ref = {ch.user_id, *ch.action_code, *ch.idempotency_key, std::nullopt};  // pending C5 action: assigned to the owner
    action.action_code = *ch.action_code;
    action.idempotency_key = *ch.idempotency_key;
  } else {
    action.tenant_id = tenant.id;
    action.user_id = cred->user_id;
    action.action_code = tenant.default_passkey_action;
    action.idempotency_key = uuid_v4(rng_);
    action.state = "CHALLENGE_REQUIRED";
    action.state_updated_at = action.created_at = action.updated_at = now;
    action.ip_address = meta.ip_address;
    action.user_agent = meta.user_agent;
    action.scope = std::string(scope_read);
    // Created in the sign-in's own transaction (a lost compare-and-set leaves no action behind).
    ref = {cred->user_id, action.action_code, action.idempotency_key, action};
  }
  action.user_id = cred->user_id;

  // Steps 10–12 written together: counter by compare-and-set, backup state, last use, the action.
  store::sign_in_update u;
  u.authenticator_id = cred->id;
  u.expected_sign_count = cred->sign_count;
  u.new_sign_count = verified->sign_count;
  u.backup_state = verified->backed_up;
  u.user_verified = verified->user_verified;
  store::action_completion done;
  done.verification_method = method;
  done.verified_by_authenticator_id = cred->id;
  done.device_id = req.device_id;
  done.user_agent = meta.user_agent;
  done.user_id = cred->user_id;
  done.now = now;
  if (req.challenge_id) u.consume_challenge_id = ch.id;
  if (!stores_.authenticators.record_sign_in(tenant.id, u, ref, done)) {
    // Lost to a concurrent attempt on the same challenge (it is gone): the contract's error for a
    // used challenge. Otherwise the counter's compare-and-set was lost.
    if (consume.gone()) return used_elsewhere();
    spdlog::info("authentication rejected: ceremony={} code=concurrent_sign_in", ch.id);
    return make_error(errc::invalid_credential, "The credential was used concurrently; retry.");
  }
  consume.committed();

  verify_passkey_result r;
  r.access_token = tokens_.issue_after_challenge(tenant, action);
  r.user_id = cred->user_id;
  r.authenticator_id = cred->id;
  r.username = cred->username ? cred->username : owner->username;
  r.display_name = cred->display_name ? cred->display_name : owner->display_name;
  return r;
}

result<std::string> passkey_service::action_challenge(const client_principal& who,
                                                      const std::optional<std::string>& action_code,
                                                      const std::optional<std::string>& idempotency_key) {
  const store::tenant& tenant = *who.tenant;
  const std::string code = action_code.value_or(tenant.default_passkey_action);
  if (!valid_action_code(code))
    return make_error(errc::invalid_request, "The action code must match ^[a-zA-Z0-9_-]{1,64}$.");
  if (idempotency_key && (idempotency_key->empty() || idempotency_key->size() > 256))
    return make_error(errc::invalid_request, "idempotencyKey must be 1 to 256 characters.");
  const auto now = clock_.now();
  store::challenge ch;
  ch.expires_at = now + std::chrono::seconds(tenant.challenge_ttl_seconds);
  ch.id = challenge_id(rng_, ch.expires_at);
  ch.tenant_id = tenant.id;
  ch.type = detail::type_action;
  ch.value = challenge_value(rng_, ch.expires_at, challenge_size);
  ch.options_json = "{}";
  ch.created_at = now;
  if (who.bearer) {
    // A token ties the challenge to its own action.
    ch.user_id = who.bearer->user.user_id;
    ch.action_code = who.bearer->action.action_code;
    ch.idempotency_key = who.bearer->action.idempotency_key;
  } else {
    store::action a;
    a.tenant_id = tenant.id;
    a.action_code = code;
    a.idempotency_key = idempotency_key.value_or(uuid_v4(rng_));
    a.state = "CHALLENGE_REQUIRED";
    a.state_updated_at = a.created_at = a.updated_at = now;
    a.scope = std::string(scope_read);
    if (!stores_.actions.find_pending_action(tenant.id, a.action_code, a.idempotency_key))
      stores_.actions.create_action(a);
    ch.action_code = a.action_code;
    ch.idempotency_key = a.idempotency_key;
  }
  stores_.challenges.create_challenge(ch);
  return ch.id;
}

result<store::authenticator> passkey_service::find_passkey(const store::tenant& tenant,
                                                           const std::vector<core::credential_id>& ids) {
  for (const auto& id : ids) {
    auto a = stores_.authenticators.find_authenticator_by_credential(tenant.id, id);
    if (a && a->verification_method == "PASSKEY") return std::move(*a);
  }
  return make_error(errc::credential_not_found, "None of these credentials is registered.");
}

std::vector<store::authenticator> passkey_service::authenticators(const store::tenant& tenant,
                                                                  std::string_view user_id) {
  return stores_.authenticators.list_authenticators(tenant.id, user_id);
}

}  // namespace signet::service
