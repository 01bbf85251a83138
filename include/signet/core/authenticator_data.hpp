// Authenticator data (WebAuthn L3 §6.1).
#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>

#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"

namespace signet::core {

namespace flags {
inline constexpr std::uint8_t up = 0x01;
inline constexpr std::uint8_t uv = 0x04;
inline constexpr std::uint8_t be = 0x08;
inline constexpr std::uint8_t bs = 0x10;
inline constexpr std::uint8_t at = 0x40;
inline constexpr std::uint8_t ed = 0x80;
}  // namespace flags

struct attested_credential_data {
  core::aaguid aaguid;
  credential_id id;
  bytes public_key_cose;  // exactly the COSE_Key bytes
};

struct authenticator_data {
  std::array<byte, 32> rp_id_hash{};
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  std::optional<attested_credential_data> attested;
  std::optional<cbor::value> extensions;

  bool user_present() const noexcept { return flags & flags::up; }
  bool user_verified() const noexcept { return flags & flags::uv; }
  bool backup_eligible() const noexcept { return flags & flags::be; }
  bool backed_up() const noexcept { return flags & flags::bs; }
};

/// Parses authenticator data: >= 37 bytes, credential id <= limits::credential_id_max, AT/ED flags
/// consistent with content, no trailing bytes. No partial result on failure.
boost::system::result<authenticator_data> parse_authenticator_data(byte_view raw);

}  // namespace signet::core
