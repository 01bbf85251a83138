// One conformance vector (../shared/vectors/README.md "File format"), decoded into core inputs.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/attestation.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/policy.hpp"

namespace signet::app::detail {

/// Trust anchors from a vector's attestationRoots, offered for every format.
class vector_trust final : public core::trust_source {
 public:
  explicit vector_trust(std::vector<std::shared_ptr<X509>> roots) : roots_(std::move(roots)) {}
  std::vector<std::shared_ptr<X509>> anchors(std::string_view, const core::aaguid&) const override { return roots_; }

 private:
  std::vector<std::shared_ptr<X509>> roots_;
};

struct vector_case {
  std::string id;
  std::string kind;  // "registration" | "authentication"
  std::string response_json;
  std::string expected_challenge;
  std::vector<std::string> origins;
  std::string rp_id;
  bool require_uv = true;
  bool require_up = true;
  std::optional<std::chrono::system_clock::time_point> verify_at;
  std::unique_ptr<vector_trust> trust;  // null when attestationRoots is absent
  std::vector<std::int32_t> algorithms;
  core::policy policy;
  bool requires_revocation_check = false;
  // authentication only
  std::optional<core::stored_credential> credential;
  // expectations
  boost::json::object expect;
};

/// Parses a vector file's JSON; nullopt with `error` saying what is wrong with the file.
std::optional<vector_case> load_vector(const boost::json::value& v, std::string& error);

/// "2025-02-02T10:00:00.000Z" / "2025-02-02T10:00:00Z" -> time_point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s);

}  // namespace signet::app::detail
