// HTTP/1.1 server on Boost.Beast/Asio: keep-alive, one io_context per I/O thread, header and
// body limits (413/431 with a JSON error), a timeout on every read and write, graceful shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "signet/api/handler.hpp"

namespace signet::net {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;        // 0 = any free port
  unsigned threads = 0;             // 0 = hardware concurrency
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};    // whole request, once its first byte has arrived
  std::chrono::seconds idle_timeout{60};    // keep-alive wait for the next request
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds shutdown_grace{10};  // in-flight requests get this long after SIGTERM
};

using handler = std::function<api::response(const api::request&, const api::request_info&)>;

class server {
 public:
  /// Binds and listens immediately (throws std::system_error if it cannot).
  server(server_options opts, handler h);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Sets the request handler; call before run().
  void set_handler(handler h);
  /// The bound port (useful with port 0).
  std::uint16_t port() const noexcept;
  /// Runs the I/O threads until stop() or SIGINT/SIGTERM, then drains. Blocks.
  void run();
  /// Thread-safe: stop accepting, finish in-flight requests, close idle connections.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace signet::net
