// "none" attestation (WebAuthn L3 §8.7).
#include "attestation/formats.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

boost::system::result<attestation_result> verify_none(const attestation_input& in) {
  // §8.7: attStmt is the empty map; nothing else to verify.
  if (!in.att_stmt.empty()) return errc::attestation_none_statement_not_empty;
  return attestation_result{attestation_type::none, {}, false};
}

}  // namespace signet::core
