// Route table on (method, normalized path) for the api layer.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::api {

enum class route_id {
  health,
  // Client API
  c1_registration_options,
  c2_add_passkey,
  c3_authentication_options,
  c4_verify_passkey,
  c5_challenge,
  c6_lookup_passkey,
  c7_authenticators,
  c8_security_key_registration_options,
  c9_add_security_key,
  c10_security_key_authentication_options,
  c11_verify_security_key,
  // Server API
  track,
  validate,
  get_user,
  update_user,
  delete_user,
  query_users,
  get_authenticators,
  delete_authenticator,
  get_action,
  update_action,
  query_actions,
  enroll_verified_authenticator,
};

struct route_match {
  route_id id;
  std::vector<std::string> params;  // percent-decoded, in pattern order
};

/// Splits the request target's path into percent-decoded segments, dropping empty ones (so repeated
/// slashes collapse). nullopt when the target is not origin-form or an escape is malformed.
std::optional<std::vector<std::string>> path_segments(std::string_view target);

/// Matches (method, segments) against the table. nullopt: no route (the contract answers 404 for
/// unknown paths and unknown methods alike, §2.9).
std::optional<route_match> match_route(boost::beast::http::verb method, const std::vector<std::string>& segments);

/// Query parameters of the target, percent-decoded, in order.
std::vector<std::pair<std::string, std::string>> query_params(std::string_view target);

/// True for a path under /v1/client (gets CORS).
bool is_client_path(const std::vector<std::string>& segments) noexcept;

}  // namespace signet::api
