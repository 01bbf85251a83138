// Service-layer failures: a public code (one per contract error) plus a human description.
// The api layer maps each code to an HTTP status and the contract's `error` / `errorCode` pair
// (one function, api/errors.cpp). Descriptions never contain secrets, tokens or keys.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace signet::service {

enum class errc {
  invalid_request,     // 400 invalid_request
  invalid_credential,  // 400 invalid_credential
  unknown_credential,  // 400 invalid_credential / unknown_credential
  unauthorized,        // 401 unauthorized
  invalid_token,       // 401 unauthorized / invalid_token
  expired_token,       // 401 unauthorized / expired_token
  insufficient_scope,  // 401 unauthorized / insufficient_scope
  not_found,           // 404 not_found
  credential_not_found,  // 404 not_found / invalid_credential (C6)
  conflict,            // 409 (reserved)
  too_many_requests,   // 429
  unavailable,         // 503
};

std::string_view to_string(errc e) noexcept;

struct error {
  errc code;
  std::string description;
};

inline error make_error(errc c, std::string description) { return error{c, std::move(description)}; }

class service_exception : public std::runtime_error {
 public:
  explicit service_exception(const error& e) : std::runtime_error(e.description), err(e) {}
  error err;
};

// Lets boost::system::result<T, error>::value() throw when misused.
[[noreturn]] inline void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw service_exception(e);
}

template <class T>
using result = boost::system::result<T, error>;

}  // namespace signet::service
