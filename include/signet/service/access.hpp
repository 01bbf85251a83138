// Who is calling: resolves the Authorization header of a request to a tenant (and, for Bearer
// tokens, to the token's user and action), in the order of contract §3.4.
#pragma once

#include <optional>
#include <string_view>

#include "signet/service/errors.hpp"
#include "signet/service/tenants.hpp"
#include "signet/service/token.hpp"
#include "signet/store/ports.hpp"

namespace signet::service {

/// A verified Bearer token with the records it names, as they were when the request arrived.
struct bearer_context {
  tenant_ptr tenant;
  token_claims claims;
  store::user user;
  store::action action;
};

/// A Client API caller: Bearer (with context) or Basic(tenant id).
struct client_principal {
  tenant_ptr tenant;
  std::optional<bearer_context> bearer;  // set for Bearer callers
};

class access_control {
 public:
  access_control(tenant_directory& tenants, store::stores stores, const clock& clk);

  /// Bearer required. Errors: unauthorized (missing header, other scheme), invalid_token, expired_token,
  /// not_found (user or action gone), unauthorized (action BLOCKed).
  result<bearer_context> bearer(std::string_view authorization_header);
  /// Bearer or Basic(tenant id) (C3/C4/C5/C6 style).
  result<client_principal> client(std::string_view authorization_header);
  /// Basic(tenant id) only.
  result<tenant_ptr> basic_tenant(std::string_view authorization_header);
  /// Server API: Basic(secret key). Error: unauthorized.
  result<tenant_ptr> server(std::string_view authorization_header);

  /// Token checks of §3.4 steps 1–3 against a known tenant's keys (used by validate/queryUsers too).
  /// Errors: invalid_token (also when the token names another tenant), expired_token.
  result<parsed_token> verify_token_for(const store::tenant& tenant, std::string_view token);

 private:
  result<bearer_context> bearer_token(std::string_view token);

  tenant_directory& tenants_;
  store::stores stores_;
  const clock& clock_;
};

}  // namespace signet::service
