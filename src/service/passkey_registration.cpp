#include <boost/json.hpp>

#include "signet/core/cose.hpp"
#include "signet/service/passkeys.hpp"

namespace signet::service {
namespace json = boost::json;

passkey_service::passkey_service(store::stores stores, const clock& clk, random_source& rng)
    : stores_(stores), clock_(clk), rng_(rng) {}

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
                                                               const registration_options_request& req) {
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
  if (req.authenticator_attachment) o.authenticator_attachment = *req.authenticator_attachment;

  // §10.1: SPC forces a platform authenticator with UV and the payment extension.
  const bool spc = req.secure_payment_confirmation;
  if (spc) {
    o.authenticator_attachment = "platform";
    o.user_verification = "required";
    o.payment = true;
  }

  for (const auto& a : stores_.authenticators.list_authenticators(tenant.id, ctx.user.user_id))
    o.exclude_credentials.push_back({a.credential_id, a.transports});

  // Single-use challenge bound to tenant, user and action (§6.1 step 5).
  o.challenge = core::challenge(random_bytes(rng_, challenge_size));
  o.challenge_id = uuid_v4(rng_);

  json::object snapshot;
  snapshot["username"] = o.user_name;
  snapshot["displayName"] = o.user_display_name;
  snapshot["userVerification"] = o.user_verification;
  if (o.authenticator_attachment) snapshot["authenticatorAttachment"] = *o.authenticator_attachment;
  snapshot["securePaymentConfirmation"] = spc;
  if (spc && req.instrument_display_name) snapshot["instrumentDisplayName"] = *req.instrument_display_name;
  json::array algs_json;
  for (auto a : o.algorithms) algs_json.push_back(a);
  snapshot["algorithms"] = std::move(algs_json);

  store::challenge ch;
  ch.id = o.challenge_id;
  ch.tenant_id = tenant.id;
  ch.type = "passkey-registration";
  ch.value = o.challenge.value();
  ch.user_id = ctx.user.user_id;
  ch.action_code = ctx.action.action_code;
  ch.idempotency_key = ctx.action.idempotency_key;
  ch.options_json = json::serialize(snapshot);
  ch.created_at = now;
  ch.expires_at = now + std::chrono::seconds(tenant.challenge_ttl_seconds);
  stores_.challenges.create_challenge(ch);
  return o;
}

}  // namespace signet::service
