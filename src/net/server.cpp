#include "signet/net/server.hpp"
#include "signet/store/group_commit.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace signet::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class session;

/// Live sessions, so shutdown can close idle keep-alive connections.
class registry {
 public:
  std::uint64_t add(const std::shared_ptr<session>& s) {
    std::lock_guard lk(mu_);
    const auto id = next_++;
    sessions_[id] = s;
    return id;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lk(mu_);
    sessions_.erase(id);
  }
  std::vector<std::shared_ptr<session>> snapshot() {
    std::lock_guard lk(mu_);
    std::vector<std::shared_ptr<session>> out;
    for (auto& [id, w] : sessions_)
      if (auto s = w.lock()) out.push_back(std::move(s));
    return out;
  }

 private:
  std::mutex mu_;
  std::uint64_t next_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<session>> sessions_;
};

struct shared_state {
  server_options opts;
  handler handle;
  registry sessions;
  std::atomic<bool> stopping{false};
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)),
        // Bounded pipelining: at most one request's worth of bytes (header + body limits) is buffered.
        buffer_(state->opts.header_limit + state->opts.body_limit + 4096),
        state_(std::move(state)) {
    // Room for a typical request at once (a Bearer token alone is ~500 bytes): Beast reads into
    // what the buffer has free (512 bytes at least), so a buffer grown only on demand took two or
    // three reads, each a system call and a parser pass, for most requests.
    buffer_.reserve(read_reserve);
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) info_.remote_address = ep.address().to_string();
  }

  void start() {
    id_ = state_->sessions.add(shared_from_this());
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::read, shared_from_this()));
  }

  /// Called at shutdown from any thread: idle connections close now, busy ones after their response.
  void shutdown() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

  ~session() { state_->sessions.remove(id_); }

 private:
  void read() {
    if (state_->stopping) return close();
    parser_.emplace();
    parser_->body_limit(state_->opts.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(state_->opts.header_limit));
    busy_ = false;
    // Idle wait for the next request; the read timeout applies once the header starts arriving.
    stream_.expires_after(first_ ? state_->opts.read_timeout : state_->opts.idle_timeout);
    first_ = false;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    stream_.expires_after(state_->opts.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof)
      return close();
    const unsigned v = 11;
    if (ec == http::error::body_limit)
      return send_error(api::error_response(http::status::payload_too_large, "invalid_request", "request_too_large",
                                            "The request body is too large.", v));
    if (ec == http::error::header_limit)
      return send_error(api::error_response(http::status::request_header_fields_too_large, "invalid_request",
                                            "request_too_large", "The request headers are too large.", v));
    return send_error(api::error_response(http::status::bad_request, "invalid_request", "invalid_request",
                                          "Malformed HTTP request.", v));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    api::request req = parser_->release();
    api::response res;
    std::vector<std::shared_ptr<store::group_commit::batch>> commits;
    {
      // The handler's writes may join a group commit run later on this thread (group_commit.hpp);
      // the response then leaves once they are committed.
      store::group_commit::request_scope scope(poster_);
      res = state_->handle(req, info_);
      commits = scope.take();
    }
    const bool keep = req.keep_alive() && !state_->stopping;
    if (commits.empty()) return respond(std::move(res), keep);
    auto left = std::make_shared<std::size_t>(commits.size());
    auto failed = std::make_shared<bool>(false);
    auto held = std::make_shared<api::response>(std::move(res));
    const unsigned version = req.version();
    for (auto& b : commits)
      b->when_done([self = shared_from_this(), left, failed, held, keep, version](bool ok) {
        // On the thread that committed: back to this connection's own.
        asio::post(self->stream_.get_executor(), [self, left, failed, held, keep, version, ok] {
          if (!ok) *failed = true;
          if (--*left > 0) return;
          if (*failed) {
            spdlog::error("a request's writes could not be committed; answered 503");
            return self->respond(api::error_response(http::status::service_unavailable, "internal_error",
                                                     "unavailable", "The request could not be stored.", version),
                                 keep);
          }
          self->respond(std::move(*held), keep);
        });
      });
  }

  void respond(api::response res, bool keep) {
    res.keep_alive(keep);
    res.prepare_payload();
    write(std::move(res));
  }

  void send_error(api::response res) {
    busy_ = true;
    // The request was not read to its end (too large, malformed): close without resetting.
    linger_ = true;
    res.keep_alive(false);
    res.prepare_payload();
    write(std::move(res));
  }

  void write(api::response res) {
    res_ = std::make_shared<api::response>(std::move(res));
    stream_.expires_after(state_->opts.write_timeout);
    http::async_write(stream_, *res_, beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    const bool keep = res_ && res_->keep_alive();
    res_.reset();
    if (ec) return close();
    if (!keep) return linger_ ? close_after_draining() : close();
    read();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  /// After an error response to a request whose body was not read (413, 400), closing at once would
  /// make the kernel answer the client's still-arriving body with a reset, and the client could lose
  /// our response (EPIPE/ECONNRESET while it is still writing). So: stop sending, read and discard
  /// what the client still sends for a bounded time and amount, then close.
  void close_after_draining() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain_budget_ = k_drain_bytes;
    stream_.expires_after(k_drain_time);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec || n >= self->drain_budget_) return self->close();
      self->drain_budget_ -= n;
      self->drain();
    });
  }

  static constexpr std::size_t k_drain_bytes = 4 * 1024 * 1024;
  static constexpr std::chrono::seconds k_drain_time{2};

  beast::tcp_stream stream_;
  static constexpr std::size_t read_reserve = 4096;
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<api::response> res_;
  api::request_info info_;
  // Runs a function on this connection's thread, after what is queued there (group commits).
  store::group_commit::poster poster_{[this](std::function<void()> f) { asio::post(stream_.get_executor(), std::move(f)); }};
  std::uint64_t id_ = 0;
  bool busy_ = false;
  bool first_ = true;
  bool linger_ = false;
  std::size_t drain_budget_ = 0;
  std::array<char, 16 * 1024> drain_buf_{};
};

}  // namespace

/// One io_context per I/O thread, each run by exactly one thread: a connection lives on one context
/// for its whole life, so its handlers never run concurrently and need no strand, and the threads do
/// not hand completions to each other (no shared scheduler queue, no wake-ups between them). The
/// acceptor (on the first context) deals accepted connections round-robin.
struct server::impl {
  using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;

  impl(server_options o, handler h)
      : threads(o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency())),
        iocs(make_contexts(threads)),
        acceptor(*iocs.front()),
        signals(*iocs.front(), SIGINT, SIGTERM),
        state(std::make_shared<shared_state>()) {
    state->opts = std::move(o);
    state->handle = std::move(h);
    for (auto& c : iocs) guards.emplace_back(c->get_executor());
    const auto addr = asio::ip::make_address(state->opts.host);
    tcp::endpoint ep(addr, state->opts.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (unsigned i = 0; i < n; ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  void accept() {
    auto& target = *iocs[next_context++ % iocs.size()];
    acceptor.async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || state->stopping) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        boost::system::error_code ignore;
        socket.set_option(tcp::no_delay(true), ignore);
        std::make_shared<session>(std::move(socket), state)->start();
      }
      if (!state->stopping) accept();
    });
  }

  void stop_all() {
    for (auto& c : iocs) c->stop();
  }

  /// Runs on the first context.
  void begin_shutdown() {
    if (state->stopping.exchange(true)) return;
    spdlog::info("shutting down: finishing in-flight requests");
    boost::system::error_code ignore;
    acceptor.close(ignore);
    signals.cancel();
    for (auto& s : state->sessions.snapshot()) s->shutdown();
    // Anything still running after the grace period is cut off.
    grace = std::make_unique<asio::steady_timer>(*iocs.front(), state->opts.shutdown_grace);
    grace->async_wait([this](beast::error_code ec) {
      if (!ec) stop_all();
    });
    // Stop waiting on the grace timer as soon as no session is left.
    poll_drained();
  }

  void poll_drained() {
    drain = std::make_unique<asio::steady_timer>(*iocs.front(), std::chrono::milliseconds(20));
    drain->async_wait([this](beast::error_code ec) {
      if (ec) return;
      if (state->sessions.snapshot().empty()) {
        if (grace) grace->cancel();
        // Every context may now run out of work and return.
        for (auto& g : guards) g.reset();
        return;
      }
      poll_drained();
    });
  }

  unsigned threads;
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<work_guard> guards;
  std::size_t next_context = 0;  // only touched on the first context
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::shared_ptr<shared_state> state;
  std::unique_ptr<asio::steady_timer> grace;
  std::unique_ptr<asio::steady_timer> drain;
};

server::server(server_options opts, handler h) : impl_(std::make_unique<impl>(std::move(opts), std::move(h))) {}
server::~server() = default;

void server::set_handler(handler h) { impl_->state->handle = std::move(h); }

std::uint16_t server::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

void server::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->begin_shutdown();
  });
  impl_->accept();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < impl_->threads; ++i) pool.emplace_back([this, i] { impl_->iocs[i]->run(); });
  impl_->iocs.front()->run();
  // The first context ran out of work (drained) or was stopped (grace expired): the others follow.
  if (impl_->state->stopping) impl_->stop_all();
  for (auto& t : pool) t.join();
}

void server::stop() {
  asio::post(*impl_->iocs.front(), [this] { impl_->begin_shutdown(); });
}

}  // namespace signet::net
