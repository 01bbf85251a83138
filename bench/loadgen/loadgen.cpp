// signet_loadgen: closed-loop WebAuthn ceremony load over keep-alive HTTP/1.1 connections, for
// scripts/bench. One thread per connection, blocking loopback sockets, an in-process ES256 software
// authenticator (OpenSSL P-256 keys, authData, CBOR attestation object, DER signatures). It depends on
// OpenSSL and Boost.JSON only, not on Signet's libraries, so it measures the wire contract alone.
//
// Modes:
//   tokens  track --users users (scope add:authenticators), print one token per line (wrk's Lua script)
//   signup  set-up: track --users users; timed: C1 + C2 with a fresh ES256 credential per ceremony
//   signin  set-up: track --users users, register one passkey each; timed: C3 + C4 (Bearer)
//   startup -- CMD ARGS...: start CMD, poll GET /health every 0.5 ms, print the time from fork to the
//           first 200, then SIGTERM and reap CMD
// Every response is checked (status 200 and the members the next step needs); anything else is an
// error, counted and reported. Server CPU is read from /proc/PID/stat (utime+stime) of every
// --server-pid around the timed phase only, so set-up traffic is not charged to the ceremonies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;
using bytes = std::vector<std::uint8_t>;

// ---- options ---------------------------------------------------------------------------------------

struct options {
  std::string mode;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string secret;
  std::string rp_id = "localhost";
  std::string origin = "http://localhost:9";
  unsigned connections = 16;
  double duration = 10;
  unsigned users = 256;
  std::vector<int> server_pids;
  std::string label;
  std::vector<std::string> command;  // startup mode: the server command line
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "signet_loadgen: " << why << "\n"
            << "usage: signet_loadgen --mode tokens|signup|signin --port P --secret SK [--host 127.0.0.1]\n"
            << "       [--rp-id localhost] [--origin http://localhost:9] [--connections 16] [--duration 10]\n"
            << "       [--users 256] [--server-pid PID[,PID...]] [--label NAME]\n"
            << "       signet_loadgen --mode startup --port P -- /abs/path/to/server ARGS...\n";
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) o.command.emplace_back(argv[i]);
      break;
    }
    if (i + 1 >= argc) usage("missing value for " + a);
    const std::string v = argv[++i];
    if (a == "--mode") o.mode = v;
    else if (a == "--host") o.host = v;
    else if (a == "--port") o.port = static_cast<std::uint16_t>(std::stoul(v));
    else if (a == "--secret") o.secret = v;
    else if (a == "--rp-id") o.rp_id = v;
    else if (a == "--origin") o.origin = v;
    else if (a == "--connections") o.connections = static_cast<unsigned>(std::stoul(v));
    else if (a == "--duration") o.duration = std::stod(v);
    else if (a == "--users") o.users = static_cast<unsigned>(std::stoul(v));
    else if (a == "--label") o.label = v;
    else if (a == "--server-pid") {
      std::stringstream ss(v);
      for (std::string p; std::getline(ss, p, ',');)
        if (!p.empty()) o.server_pids.push_back(std::stoi(p));
    } else usage("unknown option " + a);
  }
  if (o.mode != "tokens" && o.mode != "signup" && o.mode != "signin" && o.mode != "startup")
    usage("--mode must be tokens, signup, signin or startup");
  if (o.mode == "startup" ? (o.port == 0 || o.command.empty()) : (o.port == 0 || o.secret.empty()))
    usage("--port and --secret (or, for startup, --port and -- COMMAND) are required");
  if (o.connections == 0 || o.connections > 1024 || o.users == 0 || o.duration <= 0 || o.duration > 3600)
    usage("bad --connections/--users/--duration");
  return o;
}

// ---- base64 ------------------------------------------------------------------------------------------

std::string base64_std(std::string_view in) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
  }
  if (i < in.size()) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += (i + 1 < in.size()) ? tbl[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// base64url without padding (RFC 4648 §5), as WebAuthn JSON uses it.
std::string base64url(const std::uint8_t* p, std::size_t n) {
  std::string s = base64_std(std::string_view(reinterpret_cast<const char*>(p), n));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (auto& ch : s) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  return s;
}
std::string base64url(const bytes& b) { return base64url(b.data(), b.size()); }
std::string base64url(std::string_view s) { return base64url(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

bytes random_bytes(std::size_t n) {
  bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return b;
}

std::string random_id(const char* prefix) { return prefix + base64url(random_bytes(12)); }

bytes sha256(const void* data, std::size_t n) {
  bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data, n, out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32)
    throw std::runtime_error("SHA-256 failed");
  return out;
}

// ---- a small blocking HTTP/1.1 client ----------------------------------------------------------------

struct response {
  int status = 0;
  std::string body;
};

class http_connection {
 public:
  http_connection(const std::string& host, std::uint16_t port) : host_(host), port_(port) { open(); }
  ~http_connection() { close_fd(); }
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Sends one request and reads one response (Content-Length framing). Reconnects once if the server
  /// closed an idle keep-alive connection. Throws on I/O or framing errors.
  response request(const std::string& method, const std::string& target, const std::string& auth,
                   const std::string& body) {
    std::string req;
    req.reserve(256 + body.size());
    req += method;
    req += ' ';
    req += target;
    req += " HTTP/1.1\r\nHost: ";
    req += host_;
    req += "\r\nConnection: keep-alive\r\n";
    if (!auth.empty()) {
      req += "Authorization: ";
      req += auth;
      req += "\r\n";
    }
    if (!body.empty() || method == "POST") {
      req += "Content-Type: application/json\r\nContent-Length: ";
      req += std::to_string(body.size());
      req += "\r\n";
    }
    req += "\r\n";
    req += body;
    for (int attempt = 0;; ++attempt) {
      try {
        if (fd_ < 0) open();
        send_all(req);
        return read_response();
      } catch (const std::exception&) {
        close_fd();
        if (attempt >= 1 || !fresh_failure_) throw;
      }
    }
  }

 private:
  void open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) throw std::runtime_error("bad --host (IPv4 only)");
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close_fd();
      throw std::runtime_error("connect failed");
    }
    buf_.clear();
    used_ = false;
  }
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send_all(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        fresh_failure_ = used_;
        throw std::runtime_error("send failed");
      }
      off += static_cast<std::size_t>(n);
    }
  }
  bool fill() {
    char tmp[16384];
    const ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  response read_response() {
    std::size_t hdr_end;
    while ((hdr_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        // A keep-alive connection the server closed before our request: retry once on a new one.
        fresh_failure_ = used_ && buf_.empty();
        throw std::runtime_error("connection closed before the response");
      }
      if (buf_.size() > 65536) throw std::runtime_error("response header too large");
    }
    response r;
    const std::string head = buf_.substr(0, hdr_end);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) throw std::runtime_error("bad status line");
    r.status = std::atoi(head.c_str() + 9);
    std::optional<std::size_t> length;
    bool close_after = false;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string line = head.substr(pos + 2, (next == std::string::npos ? head.size() : next) - pos - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (name == "content-length") length = static_cast<std::size_t>(std::stoull(value));
        else if (name == "transfer-encoding") throw std::runtime_error("chunked responses are not supported");
        else if (name == "connection" && (value == "close" || value == "Close")) close_after = true;
      }
      pos = next;
    }
    if (!length) throw std::runtime_error("response without Content-Length");
    const std::size_t body_start = hdr_end + 4;
    while (buf_.size() < body_start + *length)
      if (!fill()) throw std::runtime_error("connection closed in the body");
    r.body = buf_.substr(body_start, *length);
    buf_.erase(0, body_start + *length);
    used_ = true;
    fresh_failure_ = false;
    if (close_after) close_fd();
    return r;
  }

  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
  std::string buf_;
  bool used_ = false;
  bool fresh_failure_ = false;
};

// ---- the software authenticator (ES256, fmt none) ----------------------------------------------------

namespace flag {
constexpr std::uint8_t up = 0x01, uv = 0x04, be = 0x08, bs = 0x10, at = 0x40;
}

struct pkey_deleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

/// One passkey: a P-256 key pair, a random 32-byte credential id and its signature counter.
class credential {
 public:
  credential() : key_(EVP_EC_gen("P-256")), id_(random_bytes(32)) {
    if (!key_) throw std::runtime_error("EC key generation failed");
  }
  const bytes& id() const noexcept { return id_; }
  std::uint32_t next_count() noexcept { return ++count_; }

  /// COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, CTAP2 canonical order.
  bytes cose_public_key() const {
    std::uint8_t point[65];
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len) != 1 ||
        len != 65 || point[0] != 0x04)
      throw std::runtime_error("cannot read the public point");
    bytes out{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20};
    out.insert(out.end(), point + 1, point + 33);
    out.insert(out.end(), {0x22, 0x58, 0x20});
    out.insert(out.end(), point + 33, point + 65);
    return out;
  }

  /// ECDSA P-256 with SHA-256, DER-encoded (as WebAuthn sends it).
  bytes sign(const bytes& data) const {
    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
      throw std::runtime_error("signing failed");
    bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) throw std::runtime_error("signing failed");
    sig.resize(len);
    return sig;
  }

 private:
  std::unique_ptr<EVP_PKEY, pkey_deleter> key_;
  bytes id_;
  std::uint32_t count_ = 0;
};

/// authenticatorData = SHA-256(rpId) ‖ flags ‖ signCount (big-endian) ‖ [attested credential data].
bytes auth_data(const std::string& rp_id, std::uint8_t flags, std::uint32_t count, const bytes& attested = {}) {
  bytes out = sha256(rp_id.data(), rp_id.size());
  out.push_back(flags);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(count >> s));
  out.insert(out.end(), attested.begin(), attested.end());
  return out;
}

std::string client_data(const char* type, const std::string& challenge, const std::string& origin) {
  return json::serialize(json::object{{"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}});
}

/// RegistrationResponseJSON as @simplewebauthn/browser's startRegistration() posts it for a platform
/// authenticator: attestation object {fmt: "none", attStmt: {}, authData} in CBOR, flags UP|UV|BE|BS|AT.
std::string registration_json(const credential& c, const std::string& rp_id, const std::string& origin,
                              const std::string& challenge) {
  bytes attested(16, 0);  // AAGUID: zero, as platform authenticators with "none" attestation send
  attested.push_back(static_cast<std::uint8_t>(c.id().size() >> 8));
  attested.push_back(static_cast<std::uint8_t>(c.id().size() & 0xff));
  attested.insert(attested.end(), c.id().begin(), c.id().end());
  const bytes cose = c.cose_public_key();
  attested.insert(attested.end(), cose.begin(), cose.end());
  const bytes ad = auth_data(rp_id, flag::up | flag::uv | flag::be | flag::bs | flag::at, 0, attested);
  // {"fmt": "none", "attStmt": {}, "authData": h'...'}; authData is always 24..65535 bytes here.
  bytes att{0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0x67, 'a', 't', 't', 'S', 't', 'm', 't', 0xa0,
            0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a'};
  if (ad.size() < 256) {
    att.insert(att.end(), {0x58, static_cast<std::uint8_t>(ad.size())});
  } else {
    att.insert(att.end(), {0x59, static_cast<std::uint8_t>(ad.size() >> 8), static_cast<std::uint8_t>(ad.size() & 0xff)});
  }
  att.insert(att.end(), ad.begin(), ad.end());
  const std::string id = base64url(c.id());
  json::object o{
      {"id", id},
      {"rawId", id},
      {"type", "public-key"},
      {"response",
       json::object{{"clientDataJSON", base64url(client_data("webauthn.create", challenge, origin))},
                    {"attestationObject", base64url(att)},
                    {"transports", json::array{"hybrid", "internal"}},
                    {"publicKeyAlgorithm", -7},
                    {"authenticatorData", base64url(ad)}}},
      {"clientExtensionResults", json::object{{"credProps", json::object{{"rk", true}}}}},
      {"authenticatorAttachment", "platform"}};
  return json::serialize(o);
}

/// AuthenticationResponseJSON as startAuthentication() posts it (flags UP|UV|BE|BS, DER signature over
/// authenticatorData ‖ SHA-256(clientDataJSON)).
std::string authentication_json(credential& c, const std::string& rp_id, const std::string& origin,
                                const std::string& challenge, const std::string& user_handle_b64url) {
  const bytes ad = auth_data(rp_id, flag::up | flag::uv | flag::be | flag::bs, c.next_count());
  const std::string cdj = client_data("webauthn.get", challenge, origin);
  const bytes cdh = sha256(cdj.data(), cdj.size());
  bytes signed_data = ad;
  signed_data.insert(signed_data.end(), cdh.begin(), cdh.end());
  const std::string id = base64url(c.id());
  json::object resp{{"authenticatorData", base64url(ad)},
                    {"clientDataJSON", base64url(cdj)},
                    {"signature", base64url(c.sign(signed_data))}};
  if (!user_handle_b64url.empty()) resp["userHandle"] = user_handle_b64url;
  json::object o{{"id", id},
                 {"rawId", id},
                 {"type", "public-key"},
                 {"response", std::move(resp)},
                 {"clientExtensionResults", json::object{}},
                 {"authenticatorAttachment", "platform"}};
  return json::serialize(o);
}

// ---- API calls, each checking its answer --------------------------------------------------------------

struct api_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json::object expect_ok(const response& r, const char* what) {
  if (r.status != 200) {
    throw api_error(std::string(what) + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200));
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) throw api_error(std::string(what) + ": body is not a JSON object");
  return std::move(v.as_object());
}

std::string get_string(const json::object& o, const char* key, const char* what) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty())
    throw api_error(std::string(what) + ": missing string member " + key);
  return std::string(v->as_string());
}

const json::object& get_object(const json::object& o, const char* key, const char* what) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_object()) throw api_error(std::string(what) + ": missing object member " + key);
  return v->as_object();
}

struct user {
  std::string id;
  std::string token;
  std::string user_handle;  // base64url, from C1's options.user.id
  std::optional<credential> cred;
};

std::string track(http_connection& c, const options& o, const std::string& user_id) {
  const std::string auth = "Basic " + base64_std(o.secret + ":");
  const json::object body{{"scope", "add:authenticators"}, {"username", user_id + "@bench.example"}};
  const auto r = c.request("POST", "/v1/users/" + user_id + "/actions/signInWithPasskey", auth, json::serialize(body));
  return get_string(expect_ok(r, "track"), "token", "track");
}

/// C1 + C2 with a fresh credential. Returns the new credential.
credential sign_up(http_connection& c, const options& o, user& u) {
  const std::string bearer = "Bearer " + u.token;
  const auto r1 = c.request("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer,
                            R"({"username":")" + u.id + R"(@bench.example","authenticatorAttachment":"platform"})");
  const json::object o1 = expect_ok(r1, "registration-options");
  const std::string challenge_id = get_string(o1, "challengeId", "registration-options");
  const json::object& opts = get_object(o1, "options", "registration-options");
  const std::string challenge = get_string(opts, "challenge", "registration-options");
  const json::object& rp = get_object(opts, "rp", "registration-options");
  if (get_string(rp, "id", "registration-options") != o.rp_id) throw api_error("registration-options: wrong rp.id");
  u.user_handle = get_string(get_object(opts, "user", "registration-options"), "id", "registration-options");

  credential cred;
  const std::string body = R"({"registrationCredential":)" + registration_json(cred, o.rp_id, o.origin, challenge) +
                           R"(,"challengeId":")" + challenge_id + R"(","conditionalCreate":false})";
  const json::object o2 = expect_ok(c.request("POST", "/v1/client/user-authenticators/passkey", bearer, body), "add-passkey");
  const auto* verified = o2.if_contains("isVerified");
  if (!verified || !verified->is_bool() || !verified->as_bool()) throw api_error("add-passkey: isVerified is not true");
  get_string(o2, "accessToken", "add-passkey");
  get_string(o2, "userAuthenticatorId", "add-passkey");
  return cred;
}

/// C3 + C4 with the user's credential (Bearer: the track token).
void sign_in(http_connection& c, const options& o, user& u) {
  const std::string bearer = "Bearer " + u.token;
  const json::object o3 =
      expect_ok(c.request("POST", "/v1/client/user-authenticators/passkey/authentication-options", bearer, "{}"),
                "authentication-options");
  const std::string challenge_id = get_string(o3, "challengeId", "authentication-options");
  const json::object& opts = get_object(o3, "options", "authentication-options");
  const std::string challenge = get_string(opts, "challenge", "authentication-options");
  const auto* allow = opts.if_contains("allowCredentials");
  if (!allow || !allow->is_array() || allow->as_array().empty())
    throw api_error("authentication-options: allowCredentials missing or empty under Bearer");
  const std::string body = R"({"authenticationCredential":)" +
                           authentication_json(*u.cred, o.rp_id, o.origin, challenge, u.user_handle) +
                           R"(,"challengeId":")" + challenge_id +
                           R"(","deviceId":"2b0f7a36-41c2-4a8e-9d57-6e3f1c0b8a94"})";
  const json::object o4 = expect_ok(c.request("POST", "/v1/client/verify/passkey", bearer, body), "verify-passkey");
  const auto* verified = o4.if_contains("isVerified");
  if (!verified || !verified->is_bool() || !verified->as_bool()) throw api_error("verify-passkey: isVerified is not true");
  if (get_string(o4, "userId", "verify-passkey") != u.id) throw api_error("verify-passkey: wrong userId");
  get_string(o4, "accessToken", "verify-passkey");
}

// ---- measurement ---------------------------------------------------------------------------------------

struct proc_sample {
  double cpu_seconds = 0;  // utime + stime of every server process
  long hwm_kb = 0;         // sum of VmHWM
  long rss_kb = 0;         // sum of VmRSS
};

proc_sample sample(const std::vector<int>& pids) {
  proc_sample s;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (const int pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
    // Fields after the ")" that closes comm: state is field 3, utime 14, stime 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f;
    for (std::string t; rest >> t && f.size() < 13;) f.push_back(t);
    if (f.size() < 13) throw std::runtime_error("short /proc stat line");
    s.cpu_seconds += (std::stod(f[11]) + std::stod(f[12])) / hz;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string l; std::getline(status, l);) {
      if (l.rfind("VmHWM:", 0) == 0) s.hwm_kb += std::atol(l.c_str() + 6);
      if (l.rfind("VmRSS:", 0) == 0) s.rss_kb += std::atol(l.c_str() + 6);
    }
  }
  return s;
}

double client_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

/// Runs `fn(thread_index)` on `n` threads and waits. Exceptions escape as a failure count.
template <class Fn>
unsigned run_threads(unsigned n, Fn fn) {
  std::atomic<unsigned> failures{0};
  std::mutex err_mu;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < n; ++t)
    ts.emplace_back([&, t] {
      try {
        fn(t);
      } catch (const std::exception& e) {
        ++failures;
        const std::lock_guard lk(err_mu);
        std::cerr << "signet_loadgen: thread " << t << ": " << e.what() << "\n";
      }
    });
  for (auto& t : ts) t.join();
  return failures.load();
}

/// Start-up to first 200: fork + exec the server, then GET /health until it answers 200.
int run_startup(const options& o) {
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto t0 = clock_type::now();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::optional<double> ms;
  const auto deadline = t0 + std::chrono::seconds(10);
  while (!ms && clock_type::now() < deadline) {
    try {
      http_connection c(o.host, o.port);
      if (c.request("GET", "/health", "", "").status == 200)
        ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    } catch (const std::exception&) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) == child) throw std::runtime_error("the server exited during start-up");
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!ms) throw std::runtime_error("no 200 from /health within 10 s");
  std::printf("STARTUP ms=%.2f\n", *ms);
  return 0;
}

int run(const options& o) {
  if (o.mode == "startup") return run_startup(o);
  // Users are split between connections: connection t owns users t, t+C, t+2C, ...
  std::vector<user> users(o.users);
  const std::string run_tag = random_id("");
  for (unsigned i = 0; i < o.users; ++i) users[i].id = "bench-" + run_tag + "-" + std::to_string(i);
  const unsigned nconn = std::min(o.connections, o.users);

  const auto setup_start = clock_type::now();
  const unsigned setup_failures = run_threads(nconn, [&](unsigned t) {
    http_connection c(o.host, o.port);
    for (std::size_t i = t; i < users.size(); i += nconn) {
      users[i].token = track(c, o, users[i].id);
      if (o.mode == "signin") users[i].cred = sign_up(c, o, users[i]);
    }
  });
  if (setup_failures) {
    std::cerr << "signet_loadgen: set-up failed\n";
    return 1;
  }
  const double setup_s = std::chrono::duration<double>(clock_type::now() - setup_start).count();
  if (o.mode == "tokens") {
    for (const auto& u : users) std::cout << u.token << "\n";
    std::cerr << "signet_loadgen: " << users.size() << " tokens in " << setup_s << " s\n";
    return 0;
  }

  std::vector<std::vector<double>> lat(nconn);
  std::vector<unsigned long> errors(nconn, 0);
  std::vector<std::string> first_error(nconn);
  const proc_sample before = o.server_pids.empty() ? proc_sample{} : sample(o.server_pids);
  const double client_before = client_cpu_seconds();
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o.duration));
  const unsigned conn_failures = run_threads(nconn, [&](unsigned t) {
    http_connection c(o.host, o.port);
    std::vector<user*> mine;
    for (std::size_t i = t; i < users.size(); i += nconn) mine.push_back(&users[i]);
    lat[t].reserve(65536);
    for (std::size_t k = 0; clock_type::now() < deadline; ++k) {
      user& u = *mine[k % mine.size()];
      const auto t0 = clock_type::now();
      try {
        if (o.mode == "signin") sign_in(c, o, u);
        else sign_up(c, o, u);
        lat[t].push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
      } catch (const api_error& e) {
        if (errors[t]++ == 0) first_error[t] = e.what();
      }
    }
  });
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  const double client_cpu = client_cpu_seconds() - client_before;
  const proc_sample after = o.server_pids.empty() ? proc_sample{} : sample(o.server_pids);

  std::vector<double> all;
  unsigned long errs = conn_failures;
  for (unsigned t = 0; t < nconn; ++t) {
    all.insert(all.end(), lat[t].begin(), lat[t].end());
    errs += errors[t];
    if (!first_error[t].empty()) std::cerr << "signet_loadgen: first error on connection " << t << ": " << first_error[t] << "\n";
  }
  const double n = static_cast<double>(all.size());
  const double server_cpu = after.cpu_seconds - before.cpu_seconds;
  const double p50 = percentile(all, 50), p99 = percentile(all, 99);
  std::printf(
      "RESULT label=%s mode=%s connections=%u users=%u ceremonies=%zu errors=%lu seconds=%.3f rate=%.1f p50_ms=%.3f "
      "p99_ms=%.3f server_cpu_s=%.3f server_cpu_us_per=%.1f client_cpu_s=%.3f client_cpu_us_per=%.1f "
      "server_hwm_kb=%ld server_rss_kb=%ld setup_s=%.2f\n",
      o.label.empty() ? "-" : o.label.c_str(), o.mode.c_str(), nconn, o.users, all.size(), errs, elapsed,
      n / elapsed, p50, p99, server_cpu, n > 0 ? server_cpu * 1e6 / n : 0.0, client_cpu,
      n > 0 ? client_cpu * 1e6 / n : 0.0, after.hwm_kb, after.rss_kb, setup_s);
  return errs ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "signet_loadgen: " << e.what() << "\n";
    return 1;
  }
}
