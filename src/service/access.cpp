#include "signet/service/access.hpp"

#include "signet/service/authorization.hpp"

namespace signet::service {

access_control::access_control(tenant_directory& tenants, store::stores stores, const clock& clk)
    : tenants_(tenants), stores_(stores), clock_(clk) {}

result<parsed_token> access_control::verify_token_for(const store::tenant& tenant, std::string_view token) {
  auto parsed = parse_token(token);
  if (!parsed) return make_error(errc::invalid_token, "The token is malformed or not an HS256 JWT.");
  if (parsed->claims.tenant_id != tenant.id || !verify_token_signature(*parsed, tenant.secret_keys))
    return make_error(errc::invalid_token, "The token signature is invalid for this tenant.");
  if (token_expired(parsed->claims, clock_.now())) return make_error(errc::expired_token, "The token has expired.");
  return std::move(*parsed);
}

result<bearer_context> access_control::bearer_token(std::string_view token) {
  // §3.4 step 1: structure and alg.
  auto parsed = parse_token_memo(token);
  if (!parsed) return make_error(errc::invalid_token, "The token is malformed or not an HS256 JWT.");
  // Step 2: the tenant named in the claims, and its keys.
  auto tenant = tenants_.by_id(parsed->claims.tenant_id);
  if (!tenant) return make_error(errc::invalid_token, "The token signature is invalid.");
  // These exact bytes verified under this very snapshot of the tenant's keys before (the memo keys
  // on the whole token, signature included; a reloaded tenant is a new snapshot): the same answer.
  if (parsed->verified_under != tenant) {
    if (!verify_token_signature(*parsed, tenant->secret_keys))
      return make_error(errc::invalid_token, "The token signature is invalid.");
    parsed->verified_under = tenant;
  }
  // Step 3: expiry.
  if (token_expired(parsed->claims, clock_.now())) return make_error(errc::expired_token, "The token has expired.");
  // Step 4: the user and the action still exist.
  const auto& c = parsed->claims;
  auto found = stores_.users.find_user_with_action(tenant->id, c.user_id, c.action_code, c.idempotency_key);
  if (!found) return make_error(errc::not_found, "The user of this token no longer exists.");
  if (!found->action) return make_error(errc::not_found, "The action of this token no longer exists.");
  // Step 5: a blocked action authorises nothing.
  if (found->action->state == "BLOCK") return make_error(errc::unauthorized, "The action is blocked.");
  return bearer_context{std::move(tenant), parsed->claims, std::move(found->user), std::move(*found->action)};
}

result<bearer_context> access_control::bearer(std::string_view header) {
  const auto a = parse_authorization(header);
  if (a.scheme == auth_scheme::none) return make_error(errc::unauthorized, "Missing Authorization header.");
  if (a.scheme != auth_scheme::bearer)
    return make_error(errc::unauthorized, "This endpoint requires a Bearer token from track.");
  return bearer_token(a.credentials);
}

result<tenant_ptr> access_control::basic_tenant(std::string_view header) {
  const auto a = parse_authorization(header);
  if (a.scheme != auth_scheme::basic) return make_error(errc::unauthorized, "Expected Basic tenant credentials.");
  auto id = decode_basic_user(a.credentials);
  if (!id) return make_error(errc::unauthorized, "Malformed Basic credentials.");
  auto tenant = tenants_.by_id(*id);
  if (!tenant) return make_error(errc::unauthorized, "Unknown tenant.");
  return tenant;
}

result<client_principal> access_control::client(std::string_view header) {
  const auto a = parse_authorization(header);
  if (a.scheme == auth_scheme::bearer) {
    auto ctx = bearer_token(a.credentials);
    if (!ctx) return ctx.error();
    client_principal p{ctx->tenant, std::move(*ctx)};
    return p;
  }
  auto tenant = basic_tenant(header);
  if (!tenant) return tenant.error();
  return client_principal{std::move(*tenant), std::nullopt};
}

result<tenant_ptr> access_control::server(std::string_view header) {
  const auto a = parse_authorization(header);
  if (a.scheme != auth_scheme::basic)
    return make_error(errc::unauthorized, "Expected Basic credentials with the tenant's secret key.");
  auto key = decode_basic_user(a.credentials);
  if (!key) return make_error(errc::unauthorized, "Malformed Basic credentials.");
  auto tenant = tenants_.by_secret_key(*key);
  if (!tenant) return make_error(errc::unauthorized, "Invalid secret key: check the key and the API URL.");
  return tenant;
}

}  // namespace signet::service
