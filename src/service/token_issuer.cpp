#include "signet/service/token_issuer.hpp"

#include "signet/service/token.hpp"

namespace signet::service {

token_issuer::token_issuer(std::string issuer, const clock& clk, random_source& rng)
    : issuer_(std::move(issuer)), clock_(clk), rng_(rng) {}

std::string token_issuer::issue(const store::tenant& tenant, const store::action& action,
                                std::vector<std::string> scopes) const {
  const auto now = clock_.now();
  token_claims c;
  c.iss = issuer_;
  c.sub = action.user_id.value_or("");
  c.iat = unix_seconds(now);
  c.exp = c.iat + tenant.token_ttl_seconds;
  c.jti = uuid_v4(rng_);
  c.scopes = std::move(scopes);
  c.tenant_id = tenant.id;
  c.user_id = c.sub;
  c.action_code = action.action_code;
  c.idempotency_key = action.idempotency_key;
  return sign_token(c, tenant.secret_keys.at(0));
}

std::string token_issuer::issue_after_challenge(const store::tenant& tenant, const store::action& action) const {
  return issue(tenant, action,
               {std::string(scope_read), std::string(scope_add), std::string(scope_update), std::string(scope_remove)});
}

}  // namespace signet::service
