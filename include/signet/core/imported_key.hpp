// Sign-in with a credential public key imported earlier (e.g. a service-side cache), so that
// step 23 does not re-import the stored COSE_Key (EVP_PKEY_fromdata + public-key check) on every
// assertion. Kept apart from ceremony.hpp; the entry points there are these with `imported` = nullptr.
#pragma once

#include <boost/system/result.hpp>

#include "signet/core/ceremony.hpp"
#include "signet/core/cose.hpp"

namespace signet::core {

/// As verify_authentication(response, expected), except that step 23 uses `imported` when it was
/// imported from exactly the stored key (`imported->cose()` equals `expected.credential->public_key_cose`,
/// compared in full). Otherwise — nullptr or other bytes — the stored key is parsed as usual. `imported`
/// must be a key parse_cose_key returned (that parse applies the alg/kty/crv and validity checks), so
/// the verdict is the same with or without it. Pure; thread-safe (the EVP_PKEY is only read).
boost::system::result<authentication_result> verify_authentication(const authentication_response& response,
                                                                   const authentication_expectations& expected,
                                                                   const public_key* imported);

/// As finish_authentication(options), passing `imported` to the verification (see above).
boost::system::result<authentication_result> finish_authentication(const finish_authentication_options& options,
                                                                   const public_key* imported);

}  // namespace signet::core
