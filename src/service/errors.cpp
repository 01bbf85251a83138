#include "signet/service/errors.hpp"

namespace signet::service {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::invalid_request: return "invalid_request";
    case errc::invalid_credential: return "invalid_credential";
    case errc::unknown_credential: return "unknown_credential";
    case errc::unauthorized: return "unauthorized";
    case errc::invalid_token: return "invalid_token";
    case errc::expired_token: return "expired_token";
    case errc::insufficient_scope: return "insufficient_scope";
    case errc::not_found: return "not_found";
    case errc::credential_not_found: return "invalid_credential";
    case errc::conflict: return "conflict";
    case errc::too_many_requests: return "too_many_requests";
    case errc::unavailable: return "unavailable";
  }
  return "internal_error";
}

}  // namespace signet::service
