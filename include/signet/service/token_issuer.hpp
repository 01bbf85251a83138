// Issues the Client API token of contract §3.2 for an action.
#pragma once

#include <string>
#include <vector>

#include "signet/service/env.hpp"
#include "signet/store/model.hpp"

namespace signet::service {

class token_issuer {
 public:
  /// `issuer`: the `iss` claim, the public API base URL (e.g. https://auth.example.com/v1).
  token_issuer(std::string issuer, const clock& clk, random_source& rng);
  /// Signed with the tenant's first secret key; exp = iat + tenant.token_ttl_seconds. Thread-safe.
  std::string issue(const store::tenant& tenant, const store::action& action, std::vector<std::string> scopes) const;
  /// All four scopes: the token returned after a completed challenge (§3.3).
  std::string issue_after_challenge(const store::tenant& tenant, const store::action& action) const;
  const std::string& issuer() const noexcept { return issuer_; }

 private:
  std::string issuer_;
  const clock& clock_;
  random_source& rng_;
};

}  // namespace signet::service
