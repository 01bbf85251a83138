// C1 registration options and C2 add passkey (contract §6.1, §6.2, §10.1; security keys §7).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "ceremony_record.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/service/passkeys.hpp"
#include "wire_checks.hpp"

namespace signet::service {
namespace json = boost::json;

passkey_service::passkey_service(store::stores stores, const token_issuer& tokens, const clock& clk, random_source& rng)
    : stores_(stores), tokens_(tokens), clock_(clk), rng_(rng) {}

std::string resolve_username(const store::user& u, const std::optional<std::string>& requested) {
  if (requested && !requested->empty()) return *requested;
  if (u.username && !u.username->empty()) return *u.username;
  if (u.email && !u.email->empty()) return *u.email;
  if (u.phone_number && !u.phone_number->empty()) return *u.phone_number;
  return u.user_id;
}

std::string resolve_display_name(const store::user& u, const std::optional<std::string>& requested,
                                 const std::string& username) {
  if (requested && !requested->empty()) return *requested;
  if (u.display_name && !u.display_name->empty()) return *u.display_name;
  return username;
}

result<void> passkey_service::check_enrolment_gate(const bearer_context& ctx) {
  if (ctx.claims.has_scope(scope_add)) return {};
  if (stores_.authenticators.has_authenticator(ctx.tenant->id, ctx.user.user_id))
    return make_error(errc::insufficient_scope,
                      "The user already has an authenticator; the token needs the add:authenticators scope.");
  return {};
}

result<creation_options> passkey_service::registration_options(const bearer_context& ctx,
                                                               const registration_options_request& req,
                                                               bool security_key) {
  const auto now = clock_.now();
  const store::tenant& tenant = *ctx.tenant;
  creation_options o;

  // Names (§6.1 processing step 4).
  o.user_name = resolve_username(ctx.user, req.username);
  o.user_display_name = resolve_display_name(ctx.user, req.display_name, o.user_name);

  // A stable random user handle, created once per user.
  if (ctx.user.handle && !ctx.user.handle->empty()) {
    o.user_id = *ctx.user.handle;
  } else {
    core::user_handle candidate(random_bytes(rng_, user_handle_size));
    o.user_id = stores_.users.ensure_user_handle(tenant.id, ctx.user.user_id, candidate, now);
  }

  o.rp_id = tenant.rp_id;
  o.rp_name = tenant.rp_name;
  const auto algs = core::supported_credential_algorithms();
  o.algorithms.assign(algs.begin(), algs.end());
  o.user_verification = tenant.user_verification;
  if (security_key) {
    // §7: security keys need not be discoverable.
    o.resident_key = "discouraged";
    o.require_resident_key = false;
  } else if (req.authenticator_attachment) {
    o.authenticator_attachment = *req.authenticator_attachment;
  }

  // §10.1: SPC forces a platform authenticator with UV and the payment extension.
  const bool spc = req.secure_payment_confirmation && !security_key;
  if (spc) {
    o.authenticator_attachment = "platform";
    o.user_verification = "required";
    o.payment = true;
  }

  // Every credential of the user, passkeys and security keys alike.
  std::vector<core::credential_id> exclude_ids;
  for (auto& a : stores_.authenticators.list_credentials(tenant.id, ctx.user.user_id)) {
    exclude_ids.push_back(a.credential_id);
    o.exclude_credentials.push_back({std::move(a.credential_id), std::move(a.transports)});
  }

  // Single-use challenge bound to tenant, user and action (§6.1 step 5), holding the core ceremony.
  const auto expires_at = now + std::chrono::seconds(tenant.challenge_ttl_seconds);
  o.challenge = core::challenge(challenge_value(rng_, expires_at, challenge_size));
  o.challenge_id = challenge_id(rng_, expires_at);

  core::begin_registration_options b;
  b.rp_id = core::rp_id(tenant.rp_id);
  b.rp_name = tenant.rp_name;
  b.user = core::user_entity{o.user_id, o.user_name, o.user_display_name};
  b.challenge = o.challenge;
  b.now = now;
  b.timeout = std::chrono::seconds(tenant.challenge_ttl_seconds);
  b.user_verification = detail::uv_requirement(o.user_verification);
  b.resident_key = o.resident_key;
  b.algorithms = o.algorithms;
  b.exclude_credentials = std::move(exclude_ids);
  auto ceremony = core::begin_registration(b);
  if (!ceremony) {
    spdlog::error("begin_registration refused the tenant's options: {}", ceremony.error().message());
    return make_error(errc::unavailable, "The registration ceremony could not be started.");
  }

  detail::ceremony_record rec;
  rec.ceremony = ceremony->serialize();
  rec.spc = spc;
  if (spc) rec.instrument_display_name = req.instrument_display_name;
  rec.bearer = true;

  store::challenge ch;
  ch.id = o.challenge_id;
  ch.tenant_id = tenant.id;
  ch.type = security_key ? detail::type_security_key_registration : detail::type_passkey_registration;
  ch.value = o.challenge.value();
  ch.user_id = ctx.user.user_id;
  ch.action_code = ctx.action.action_code;
  ch.idempotency_key = ctx.action.idempotency_key;
  ch.options_json = detail::to_json(rec);
  ch.created_at = now;
  ch.expires_at = expires_at;
  stores_.challenges.create_challenge(ch);
  return o;
}

result<add_passkey_result> passkey_service::add_passkey(const bearer_context& ctx, const add_passkey_request& req,
                                                        const request_meta& meta, bool security_key) {
  const store::tenant& tenant = *ctx.tenant;
  const std::string_view type =
      security_key ? detail::type_security_key_registration : detail::type_passkey_registration;

  // §6.2 step 2: shape.
  auto shape = detail::check_registration_shape(req.credential_json);
  if (!shape) return shape.error();

  // Step 3: the challenge: this tenant, this ceremony type, this user and action; unexpired, unused.
  // With a challengeId it is checked here and consumed by the registration's own write below (one
  // commit for a successful ceremony); every other way out from here on consumes it as well.
  const auto now = clock_.now();
  auto taken = detail::check_or_take_challenge(stores_.challenges, tenant.id, type, req.challenge_id,
                                               shape->challenge, &ctx, now);
  if (!taken) return taken.error();
  const store::challenge& ch = *taken;
  detail::consume_unless_committed consume(stores_.challenges, tenant.id, req.challenge_id ? ch.id : std::string(),
                                           now);
  auto rec = detail::from_json(ch.options_json);
  auto ceremony = rec ? core::registration_ceremony::restore(rec->stored_ceremony)
                      : boost::system::result<core::registration_ceremony>(core::errc::ceremony_options_invalid);
  if (!rec || !ceremony) return make_error(errc::invalid_request, "The challenge record is unreadable.");

  // Step 4: type and id/rawId (the challenge is consumed from here on).
  if (auto ident = detail::check_credential_identity(*shape, "registration", ch.id); !ident) return ident.error();
  // Steps 5–7: core verification (§7.1). Attestation is "none": trust chains are not anchored.
  auto response = core::parse_registration_response_json(req.credential_json);
  if (!response) return detail::credential_error("registration", ch.id, response.error());
  core::policy policy;
  policy.require_user_verification = false;  // the ceremony's userVerification decides
  policy.allow_missing_user_presence = req.conditional_create;
  policy.allow_sha1_attestation = true;      // attestation is not relied upon (attestation: "none")
  policy.safetynet_require_cts = false;
  policy.danger_ignore_certificate_validity = true;
  core::finish_registration_options f;
  f.ceremony = &*ceremony;
  f.response = &*response;
  f.origins = tenant.expected_origins;
  f.policy = &policy;
  f.trust = nullptr;
  f.now = now;
  auto verified = core::finish_registration(f);
  if (!verified) return detail::credential_error("registration", ch.id, verified.error());

  // Steps 8–11: store the authenticator, fill the user's names, complete the action (one transaction).
  store::authenticator a;
  a.id = uuid_v4(rng_);
  a.tenant_id = tenant.id;
  a.user_id = ctx.user.user_id;
  a.verification_method = security_key ? "SECURITY_KEY" : "PASSKEY";
  a.credential_id = verified->id;
  a.public_key_cose = verified->public_key_cose;
  a.alg = verified->alg;
  a.sign_count = verified->sign_count;
  a.transports = response->transports;
  a.aaguid = verified->aaguid.to_string();
  a.backup_eligible = verified->backup_eligible;
  a.backup_state = verified->backed_up;
  a.user_verified = verified->user_verified;
  a.authenticator_attachment = response->authenticator_attachment;
  a.device_id = req.device_id ? *req.device_id : uuid_v4(rng_);
  a.user_agent = meta.user_agent;
  a.username = ceremony->user().name;  // the names the options were given (§6.1 step 4)
  a.display_name = ceremony->user().display_name;
  a.payment_capable = rec->spc;
  a.instrument_display_name = rec->instrument_display_name;
  a.created_at = a.verified_at = now;

  store::action_ref ref{ctx.user.user_id, ctx.action.action_code, ctx.action.idempotency_key, std::nullopt};
  store::action_completion done;
  done.verification_method = a.verification_method;
  done.verified_by_authenticator_id = a.id;
  done.user_agent = meta.user_agent;
  done.user_id = ctx.user.user_id;
  done.now = now;
  bool first = false;
  if (!stores_.authenticators.register_authenticator(
          a, ref, done, &first, req.challenge_id ? std::optional<std::string>(ch.id) : std::nullopt)) {
    // Lost to a concurrent attempt on the same challenge (it is gone): the contract's error for a
    // used challenge, as if this attempt had lost a take.
    if (consume.gone()) {
      spdlog::info("registration rejected: ceremony={} code=challenge_used_concurrently", ch.id);
      return detail::challenge_unusable();
    }
    spdlog::info("registration rejected: ceremony={} credential already registered", ch.id);
    return make_error(errc::invalid_credential, "This credential is already registered.");
  }
  consume.committed();

  add_passkey_result r;
  store::action action = ctx.action;
  r.access_token = tokens_.issue_after_challenge(tenant, action);
  r.is_default = first;  // the oldest of the user's authenticators is the default
  r.authenticator = std::move(a);
  return r;
}

}  // namespace signet::service
