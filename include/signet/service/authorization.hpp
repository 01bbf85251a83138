// Authorization header parsing (contract §1.3). Pure functions, no store access.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet::service {

enum class auth_scheme { none, basic, bearer, other };

struct authorization {
  auth_scheme scheme = auth_scheme::none;
  std::string_view credentials;  // text after the scheme and its spaces
};

/// Splits "Scheme credentials"; the scheme is matched case-insensitively.
authorization parse_authorization(std::string_view header) noexcept;

/// The lenient Basic decoding of §1.3: map '-'→'+', '_'→'/', pad to a multiple of 4, base64-decode,
/// keep the part before the first ':', percent-decode it. nullopt if any step fails or the result is
/// empty. Accepts the browser (no colon), curl/Android (colon) and iOS (base64url, colon) forms.
std::optional<std::string> decode_basic_user(std::string_view credentials);

}  // namespace signet::service
