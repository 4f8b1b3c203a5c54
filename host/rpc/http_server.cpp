#include "host/rpc/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "host/p2p/network.hpp"

namespace vigil::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string target_path(const std::string& target) {
  return target.substr(0, target.find('?'));
}

std::string query_value(const std::string& target, const std::string& key) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  size_t pos = q + 1;
  while (pos < target.size()) {
    const size_t amp = std::min(target.find('&', pos), target.size());
    const std::string kv = target.substr(pos, amp - pos);
    const size_t eq = kv.find('=');
    if (kv.substr(0, eq) == key) return eq == std::string::npos ? "1" : kv.substr(eq + 1);
    pos = amp + 1;
  }
  return "";
}

struct HttpServer::Impl {
  Impl(HttpServer& s, ServerConfig c, Handler h)
      : server(s), cfg(std::move(c)), handler(std::move(h)) {}
  HttpServer& server;
  ServerConfig cfg;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<uint32_t> open{0};
  void accept();
};

namespace {

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(HttpServer::Impl& impl, ServerCounters& counters, tcp::socket s)
      : impl_(impl), counters_(counters), stream_(std::move(s)) {}
  ~Conn() { --impl_.open; }

  void read() {
    parser_.emplace();
    parser_->header_limit(impl_.cfg.max_header);
    parser_->body_limit(impl_.cfg.max_body);
    stream_.expires_after(std::chrono::milliseconds(impl_.cfg.read_timeout_ms));
    http::async_read(stream_, buf_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
                           ec == asio::error::eof)
                         return self->close();
                       if (ec) {
                         ++self->counters_.bad_requests;
                         return self->reply({400, "text/plain", "bad request\n"}, false);
                       }
                       self->serve();
                     });
  }

 private:
  void serve() {
    ++counters_.requests;
    const auto& msg = parser_->get();
    Request req{std::string(msg.method_string()), std::string(msg.target()), msg.body()};
    reply(impl_.handler(req), msg.keep_alive());
  }

  void reply(const Response& r, bool keep) {
    auto res = std::make_shared<http::response<http::string_body>>(http::status(r.status), 11);
    res->set(http::field::server, "vigild");
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep);
    res->body() = r.body;
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
                        if (ec || !keep) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  HttpServer::Impl& impl_;
  ServerCounters& counters_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_{8192};
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      if (open.load() >= cfg.max_connections) {
        ++server.counters_.refused_connections;
      } else {
        ++open;
        std::make_shared<Conn>(*this, server.counters_, std::move(s))->read();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(ServerConfig config, Handler handler)
    : impl_(std::make_unique<Impl>(*this, std::move(config), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::start(std::string* error) {
  std::string host;
  uint16_t port = 0;
  if (!p2p::split_host_port(impl_->cfg.listen, &host, &port)) {
    *error = "bad http address '" + impl_->cfg.listen + "'";
    return false;
  }
  beast::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  tcp::endpoint ep(addr, port);
  auto& a = impl_->acceptor;
  if (!ec) a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + impl_->cfg.listen + ": " + ec.message();
    return false;
  }
  port_ = a.local_endpoint().port();
  impl_->accept();
  thread_ = std::thread([this] { impl_->io.run(); });
  return true;
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->io.stop();
  });
  thread_.join();
}

}  // namespace vigil::rpc
