// signet_fuzz_seeds: builds the fuzzers' seed corpora at run time from vector files.
//
//   signet_fuzz_seeds OUT_DIR VECTOR_DIR...
//
// First mints vectors with the test-only soft authenticator into OUT_DIR/_soft_vectors/ (see
// soft_vectors.cpp) and adds that folder to the VECTOR_DIRs. Then reads every *.json under each VECTOR_DIR (recursively) that has a WebAuthn `response` member (the
// format of ../shared/vectors/README.md, which is also what our soft authenticator writes to
// tests/vectors/) and writes one file per extracted input to OUT_DIR/<target>/<vector id>[.<part>]:
//
//   cbor                          attestationObject, credential COSE keys
//   authenticator_data            authData (from the attestation object) and assertion authenticatorData
//   attestation_object            fuzz_attestation_object's framing: flags byte, SHA-256(clientDataJSON),
//                                 attestationObject (see fuzz_attestation_object.cpp); also the same
//                                 statement wrapped in a "compound" object beside a "none" one
//   cose_key                      credential COSE keys (from authData and from the stored credential)
//   client_data                   clientDataJSON
//   registration_response_json    the registration `response` object as JSON text
//   authentication_response_json  the authentication `response` object as JSON text
//   finish_registration           fuzz_finish_registration's framing: flags byte, expectedRPID, '\n',
//                                 the registration `response` JSON (see fuzz_finish_registration.cpp)
//   finish_authentication         fuzz_finish_authentication's framing: flags byte, expectedRPID, '\n',
//                                 credential.publicKey (base64url), '\n', the authentication `response` JSON
//
// The vector data is never copied into the repository: this runs in the build tree (CTest fixture
// `fuzz_seeds`, scripts/fuzz). A missing VECTOR_DIR is reported and skipped, not an error, so the
// fuzzers still run (from their checked-in fuzz/seeds/ only) on a machine without ../shared/vectors.
//
// libcbor is used directly (not signet's strict profile): seeds must be extracted even from inputs the
// profile rejects (e.g. indefinite-length attestation objects), which are exactly the interesting ones.
#include <cbor.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_framing.hpp"
#include "soft_vectors.hpp"
#include "signet/core/bytes.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using signet::core::byte;
using signet::core::byte_view;
using signet::core::bytes;

namespace {

struct writer {
  fs::path out;
  std::size_t files = 0;

  void put(std::string_view target, const std::string& name, byte_view data) {
    const fs::path dir = out / std::string(target);
    fs::create_directories(dir);
    std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) throw std::runtime_error("cannot write " + (dir / name).string());
    ++files;
  }
};

std::optional<bytes> b64(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return signet::core::base64url_decode(std::string_view(v->as_string()));
}

struct cbor_item_deleter {
  void operator()(cbor_item_t* p) const noexcept { cbor_decref(&p); }
};
using cbor_ptr = std::unique_ptr<cbor_item_t, cbor_item_deleter>;

// The authData byte string of an attestation object (definite or indefinite-length map).
std::optional<bytes> auth_data_of(byte_view att_obj) {
  cbor_load_result res{};
  cbor_ptr item(cbor_load(att_obj.data(), att_obj.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE || !cbor_isa_map(item.get())) return std::nullopt;
  const cbor_pair* pairs = cbor_map_handle(item.get());
  for (std::size_t i = 0; i < cbor_map_size(item.get()); ++i) {
    cbor_item_t* k = pairs[i].key;
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) continue;
    const std::string_view key(reinterpret_cast<const char*>(cbor_string_handle(k)), cbor_string_length(k));
    if (key != "authData") continue;
    cbor_item_t* v = pairs[i].value;
    if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v)) return std::nullopt;
    const byte* p = cbor_bytestring_handle(v);
    return bytes(p, p + cbor_bytestring_length(v));
  }
  return std::nullopt;
}

// A "compound" attestation object (WebAuthn L3 §8.9) made from a real one: attStmt becomes
// [{fmt, attStmt} of the original, {fmt: "none", attStmt: {}}]. Re-encoded with definite lengths.
std::optional<bytes> compound_of(byte_view att_obj) {
  cbor_load_result res{};
  cbor_ptr item(cbor_load(att_obj.data(), att_obj.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE || !cbor_isa_map(item.get())) return std::nullopt;
  cbor_item_t* fmt = nullptr;
  cbor_item_t* stmt = nullptr;
  cbor_item_t* auth = nullptr;
  const cbor_pair* pairs = cbor_map_handle(item.get());
  for (std::size_t i = 0; i < cbor_map_size(item.get()); ++i) {
    cbor_item_t* k = pairs[i].key;
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) continue;
    const std::string_view key(reinterpret_cast<const char*>(cbor_string_handle(k)), cbor_string_length(k));
    if (key == "fmt") fmt = pairs[i].value;
    if (key == "attStmt") stmt = pairs[i].value;
    if (key == "authData") auth = pairs[i].value;
  }
  if (fmt == nullptr || stmt == nullptr || auth == nullptr) return std::nullopt;
  auto pair = [](cbor_item_t* k, cbor_item_t* v) { return cbor_pair{k, v}; };
  cbor_ptr first(cbor_new_definite_map(2));
  cbor_ptr none_fmt(cbor_build_string("none"));
  cbor_ptr empty(cbor_new_definite_map(0));
  cbor_ptr second(cbor_new_definite_map(2));
  cbor_ptr list(cbor_new_definite_array(2));
  cbor_ptr top(cbor_new_definite_map(3));
  cbor_ptr k_fmt(cbor_build_string("fmt")), k_stmt(cbor_build_string("attStmt")), k_auth(cbor_build_string("authData"));
  cbor_ptr compound(cbor_build_string("compound"));
  const bool ok = cbor_map_add(first.get(), pair(k_fmt.get(), fmt)) && cbor_map_add(first.get(), pair(k_stmt.get(), stmt)) &&
                  cbor_map_add(second.get(), pair(k_fmt.get(), none_fmt.get())) &&
                  cbor_map_add(second.get(), pair(k_stmt.get(), empty.get())) && cbor_array_push(list.get(), first.get()) &&
                  cbor_array_push(list.get(), second.get()) && cbor_map_add(top.get(), pair(k_fmt.get(), compound.get())) &&
                  cbor_map_add(top.get(), pair(k_stmt.get(), list.get())) && cbor_map_add(top.get(), pair(k_auth.get(), auth));
  if (!ok) return std::nullopt;
  unsigned char* buf = nullptr;
  std::size_t buf_size = 0;
  const std::size_t n = cbor_serialize_alloc(top.get(), &buf, &buf_size);
  if (n == 0) return std::nullopt;
  bytes out(buf, buf + n);
  std::free(buf);
  return out;
}

// The COSE_Key bytes inside authenticator data with attested credential data (AT flag).
std::optional<bytes> cose_key_of(byte_view auth_data) {
  constexpr std::size_t fixed = 37, aaguid = 16;
  if (auth_data.size() < fixed + aaguid + 2 || (auth_data[32] & 0x40) == 0) return std::nullopt;
  const std::size_t id_len = std::size_t{auth_data[fixed + aaguid]} << 8 | auth_data[fixed + aaguid + 1];
  const std::size_t off = fixed + aaguid + 2 + id_len;
  if (off >= auth_data.size()) return std::nullopt;
  cbor_load_result res{};
  cbor_ptr item(cbor_load(auth_data.data() + off, auth_data.size() - off, &res));
  if (!item || res.error.code != CBOR_ERR_NONE) return std::nullopt;
  return bytes(auth_data.begin() + static_cast<std::ptrdiff_t>(off),
               auth_data.begin() + static_cast<std::ptrdiff_t>(off + res.read));
}

void extract(const fs::path& file, writer& w) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return;
  const json::object& v = doc.as_object();
  const auto* resp_v = v.if_contains("response");
  if (resp_v == nullptr || !resp_v->is_object()) return;
  const json::object& resp = resp_v->as_object();
  const auto* inner_v = resp.if_contains("response");
  if (inner_v == nullptr || !inner_v->is_object()) return;
  const json::object& inner = inner_v->as_object();

  std::string id = file.stem().string();
  if (const auto* idv = v.if_contains("id"); idv != nullptr && idv->is_string()) id = std::string(idv->as_string());
  const bool registration = inner.contains("attestationObject");
  const std::string resp_json = json::serialize(resp);
  w.put(registration ? "registration_response_json" : "authentication_response_json", id, signet::core::as_bytes(resp_json));

  const auto cdj = b64(inner, "clientDataJSON");
  if (cdj) w.put("client_data", id, *cdj);

  if (registration) {
    if (const auto* rp = v.if_contains("expectedRPID"); rp != nullptr && rp->is_string()) {
      // Seeds loosen the policy as far as the flags allow, so real vectors get through to success.
      std::string framed(1, static_cast<char>(signet::fuzz::att_flag_ignore_validity | signet::fuzz::att_flag_allow_sha1 |
                                              signet::fuzz::att_flag_skip_timestamp | signet::fuzz::att_flag_no_cts |
                                              signet::fuzz::reg_flag_uv_optional));
      framed += std::string_view(rp->as_string());
      framed += '\n';
      framed += resp_json;
      w.put("finish_registration", id, signet::core::as_bytes(framed));
    }
    if (const auto att = b64(inner, "attestationObject")) {
      w.put("cbor", id + ".attobj", *att);
      if (cdj) {
        const auto framed = [&](byte_view obj) {
          bytes f;
          f.push_back(signet::fuzz::att_flag_ignore_validity);
          f.resize(1 + SHA256_DIGEST_LENGTH);
          SHA256(cdj->data(), cdj->size(), f.data() + 1);
          f.insert(f.end(), obj.begin(), obj.end());
          return f;
        };
        w.put("attestation_object", id, framed(*att));
        if (const auto compound = compound_of(*att)) w.put("attestation_object", id + ".compound", framed(*compound));
      }
      if (const auto ad = auth_data_of(*att)) {
        w.put("authenticator_data", id, *ad);
        if (const auto key = cose_key_of(*ad)) {
          w.put("cose_key", id, *key);
          w.put("cbor", id + ".key", *key);
        }
      }
    }
  } else {
    if (const auto ad = b64(inner, "authenticatorData")) w.put("authenticator_data", id, *ad);
    if (const auto* cred = v.if_contains("credential"); cred != nullptr && cred->is_object()) {
      if (const auto key = b64(cred->as_object(), "publicKey")) {
        w.put("cose_key", id + ".stored", *key);
        w.put("cbor", id + ".stored", *key);
        const auto* rp = v.if_contains("expectedRPID");
        if (rp != nullptr && rp->is_string()) {
          // UV optional: most vectors do not require it; the fuzzer flips the bits anyway.
          for (const std::uint8_t fl : {std::uint8_t{signet::fuzz::auth_flag_uv_optional},
                                        std::uint8_t{signet::fuzz::auth_flag_uv_optional | signet::fuzz::auth_flag_discoverable}}) {
            std::string framed(1, static_cast<char>(fl));
            framed += std::string_view(rp->as_string());
            framed += '\n';
            framed += signet::core::base64url_encode(*key);
            framed += '\n';
            framed += resp_json;
            w.put("finish_authentication", id + (fl & signet::fuzz::auth_flag_discoverable ? ".discoverable" : ""),
                  signet::core::as_bytes(framed));
          }
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: signet_fuzz_seeds OUT_DIR VECTOR_DIR...\n";
    return 2;
  }
  try {
    writer w{argv[1]};
    fs::create_directories(w.out);
    const fs::path soft = w.out / "_soft_vectors";
    const std::size_t minted = signet::fuzz::write_soft_vectors(soft);
    std::cout << "signet_fuzz_seeds: " << minted << " soft-authenticator vectors in " << soft.string() << "\n";
    std::vector<fs::path> dirs{soft};
    for (int i = 2; i < argc; ++i) dirs.emplace_back(argv[i]);
    for (const fs::path& dir : dirs) {
      if (!fs::is_directory(dir)) {
        std::cout << "signet_fuzz_seeds: vector folder " << dir.string()
                  << " is absent: no seeds from it (fuzzers start from fuzz/seeds/ only)\n";
        continue;
      }
      std::size_t before = w.files;
      for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().extension() == ".json") extract(e.path(), w);
      }
      std::cout << "signet_fuzz_seeds: " << (w.files - before) << " seed files from " << dir.string() << "\n";
    }
    std::cout << "signet_fuzz_seeds: " << w.files << " seed files in " << w.out.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "signet_fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
