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
  c1_registration_options,
  c1w_registration_options,
  track,
  validate,
  get_user,
  update_user,
  delete_user,
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

/// True for a path under /v1/client (gets CORS).
bool is_client_path(const std::vector<std::string>& segments) noexcept;

}  // namespace signet::api
