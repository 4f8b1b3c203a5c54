#include "host/p2p/network.hpp"

#include <sys/random.h>

#include <boost/asio.hpp>
#include <deque>
#include <random>

namespace vigil::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

bool split_host_port(const std::string& s, std::string* host, uint16_t* port) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return false;
  unsigned long p = 0;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || p > 65535) return false;
    p = p * 10 + unsigned(s[i] - '0');
  }
  if (p == 0 || p > 65535) return false;
  *host = s.substr(0, colon);
  *port = uint16_t(p);
  return true;
}

namespace {

Challenge fresh_challenge() {
  Challenge c{};
  size_t got = 0;
  while (got < c.size()) {
    const ssize_t n = getrandom(c.data() + got, c.size() - got, 0);
    if (n > 0) got += size_t(n);
  }
  return c;
}

}  // namespace

class Session;

struct Network::Impl {
  Network& net;
  NetworkConfig cfg;
  OnMessage on_message;
  OnPeer on_peer;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::mt19937_64 jitter{std::random_device{}()};
  struct Peer {
    std::shared_ptr<Session> out, in;
    std::chrono::milliseconds backoff{0};
    std::unique_ptr<asio::steady_timer> redial;
    tcp::endpoint endpoint;
    bool dialable = false;
  };
  std::vector<Peer> peers;
  uint32_t inbound = 0;
  bool stopping = false;

  Impl(Network& n, NetworkConfig c, OnMessage m, OnPeer p)
      : net(n), cfg(std::move(c)), on_message(std::move(m)), on_peer(std::move(p)) {}

  void accept();
  void dial(uint32_t i);
  void schedule_dial(uint32_t i);
  void established(const std::shared_ptr<Session>& s);
  void closed(Session* s, const std::string& why);
  NetworkCounters& counters() { return net.counters_; }
  void refused(Refusal r) { ++net.counters_.refused[size_t(r)]; }
  void recount();
  void send(uint32_t to, const SharedBytes& b);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Network::Impl& impl, tcp::socket sock, bool outbound, uint32_t dialed)
      : impl_(impl),
        sock_(std::move(sock)),
        timer_(sock_.get_executor()),
        outbound_(outbound),
        peer_(dialed) {}

  bool outbound() const { return outbound_; }
  uint32_t peer() const { return peer_; }
  bool up() const { return up_; }

  void start() {
    my_challenge_ = fresh_challenge();
    hello_out_ = encode_hello(
        {impl_.cfg.identity.chain_id, impl_.cfg.identity.key.public_key, my_challenge_});
    timer_.expires_after(impl_.cfg.handshake_timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->up_ && !self->closed_) self->refuse(Refusal::timeout);
    });
    asio::async_write(sock_, asio::buffer(hello_out_),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->close("write: " + ec.message());
                        self->read_hello();
                      });
  }

  void enqueue(const SharedBytes& b) {
    if (closed_) return;
    if (queue_.size() >= impl_.cfg.send_queue_messages ||
        queued_bytes_ + b->size() > impl_.cfg.send_queue_bytes) {
      ++impl_.counters().send_queue_full;
      return;
    }
    queue_.push_back({encode_length(uint32_t(b->size())), b});
    queued_bytes_ += b->size();
    ++impl_.counters().queued;
    if (!writing_) write_next();
  }

  void close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    impl_.counters().queued -= queue_.size();  // never sent: no longer waiting
    error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    timer_.cancel();
    impl_.closed(this, why);
  }

 private:
  struct Out {
    std::array<uint8_t, VIGIL_P2P_LEN_PREFIX> prefix;
    SharedBytes body;
  };

  void refuse(Refusal r) {
    impl_.refused(r);
    close(std::string("handshake refused: ") + std::string(refusal_name(r)));
  }

  void read_hello() {
    asio::async_read(sock_, asio::buffer(hello_in_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->refuse(Refusal::malformed);
                       self->on_hello();
                     });
  }

  void on_hello() {
    Refusal r = decode_hello(hello_in_, peer_hello_);
    uint32_t index = 0;
    if (r == Refusal::none) r = check_hello(impl_.cfg.identity, peer_hello_, &index);
    // A dialed address must answer with the key of the validator we dialed.
    if (r == Refusal::none && outbound_ && index != peer_) r = Refusal::unknown_key;
    if (r != Refusal::none) return refuse(r);
    peer_ = index;
    proof_out_ = make_proof(impl_.cfg.identity, peer_hello_);
    asio::async_write(sock_, asio::buffer(proof_out_),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->close("write: " + ec.message());
                        self->read_proof();
                      });
  }

  void read_proof() {
    asio::async_read(sock_, asio::buffer(proof_in_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->refuse(Refusal::malformed);
                       const Refusal r = check_proof(self->impl_.cfg.identity, self->my_challenge_,
                                                     self->peer_hello_, self->proof_in_);
                       if (r != Refusal::none) return self->refuse(r);
                       self->up_ = true;
                       self->timer_.cancel();
                       self->impl_.established(self);
                       self->read_length();
                     });
  }

  void read_length() {
    asio::async_read(
        sock_, asio::buffer(len_in_), [self = shared_from_this()](error_code ec, size_t) {
          if (ec) return self->close(ec == asio::error::eof ? "closed by peer" : ec.message());
          const auto len = decode_length(self->len_in_, self->impl_.cfg.max_message);
          if (!len) {
            ++self->impl_.counters().oversized;
            return self->close("message length over the maximum");
          }
          self->body_.resize(*len);
          self->read_body();
        });
  }

  void read_body() {
    asio::async_read(sock_, asio::buffer(body_),
                     [self = shared_from_this()](error_code ec, size_t n) {
                       if (ec) return self->close(ec.message());
                       auto& c = self->impl_.counters();
                       ++c.messages_in;
                       c.bytes_in += n;
                       std::vector<uint8_t> msg;
                       msg.swap(self->body_);
                       self->impl_.on_message(self->peer_, std::move(msg));
                       self->read_length();
                     });
  }

  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    const Out& o = queue_.front();
    std::array<asio::const_buffer, 2> bufs{asio::buffer(o.prefix), asio::buffer(*o.body)};
    asio::async_write(sock_, bufs, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->close("write: " + ec.message());
      if (self->closed_) return;  // close() took the queue off the count
      auto& c = self->impl_.counters();
      --c.queued;
      ++c.messages_out;
      c.bytes_out += self->queue_.front().body->size();
      self->queued_bytes_ -= self->queue_.front().body->size();
      self->queue_.pop_front();
      self->write_next();
    });
  }

  Network::Impl& impl_;
  tcp::socket sock_;
  asio::steady_timer timer_;
  bool outbound_;
  uint32_t peer_;
  bool up_ = false, closed_ = false, writing_ = false;
  Challenge my_challenge_{};
  std::array<uint8_t, kHelloBytes> hello_out_{}, hello_in_{};
  std::array<uint8_t, kProofBytes> proof_out_{}, proof_in_{};
  Hello peer_hello_;
  std::array<uint8_t, VIGIL_P2P_LEN_PREFIX> len_in_{};
  std::vector<uint8_t> body_;
  std::deque<Out> queue_;
  size_t queued_bytes_ = 0;
};

void Network::Impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket sock) {
    if (stopping) return;
    if (!ec) {
      if (inbound >= cfg.max_inbound) {
        ++net.counters_.inbound_full;
      } else {
        ++inbound;
        error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(*this, std::move(sock), false, ~0u)->start();
      }
    }
    accept();
  });
}

void Network::Impl::dial(uint32_t i) {
  if (stopping) return;
  auto sock = std::make_shared<tcp::socket>(io);
  sock->async_connect(peers[i].endpoint, [this, i, sock](error_code ec) {
    if (stopping) return;
    if (ec) return schedule_dial(i);
    error_code ignored;
    sock->set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<Session>(*this, std::move(*sock), true, i);
    peers[i].out = s;
    s->start();
  });
}

void Network::Impl::schedule_dial(uint32_t i) {
  Peer& p = peers[i];
  p.backoff = std::min(cfg.max_backoff, std::max(cfg.min_backoff, p.backoff * 2));
  // Jitter in [backoff/2, backoff]: peers that lost each other together do
  // not redial in lockstep.
  const auto half = p.backoff.count() / 2;
  const auto delay = std::chrono::milliseconds(half + int64_t(jitter() % uint64_t(half + 1)));
  p.redial->expires_after(delay);
  p.redial->async_wait([this, i](error_code ec) {
    if (!ec) dial(i);
  });
}

void Network::Impl::established(const std::shared_ptr<Session>& s) {
  Peer& p = peers[s->peer()];
  auto& slot = s->outbound() ? p.out : p.in;
  if (slot && slot != s) slot->close("replaced by a newer session");
  slot = s;
  if (s->outbound()) p.backoff = std::chrono::milliseconds(0);
  ++net.counters_.sessions_up;
  recount();
  on_peer(s->peer(), true, s->outbound() ? "dialed" : "accepted");
}

void Network::Impl::closed(Session* s, const std::string& why) {
  if (!s->outbound()) --inbound;
  const uint32_t i = s->peer();
  if (i >= peers.size()) return;  // refused before we knew who it was
  Peer& p = peers[i];
  auto& slot = s->outbound() ? p.out : p.in;
  const bool was_up = s->up();
  if (slot.get() == s) slot.reset();
  if (was_up) {
    ++net.counters_.sessions_down;
    recount();
    on_peer(i, false, why);
  }
  if (s->outbound() && !stopping) schedule_dial(i);
}

void Network::Impl::recount() {
  uint32_t n = 0;
  for (const Peer& p : peers) n += (p.out && p.out->up()) || (p.in && p.in->up());
  net.connected_.store(n);
}

void Network::Impl::send(uint32_t to, const SharedBytes& b) {
  if (to >= peers.size()) return;
  Peer& p = peers[to];
  Session* s = p.out && p.out->up() ? p.out.get() : p.in && p.in->up() ? p.in.get() : nullptr;
  if (!s) {
    ++net.counters_.no_session;
    return;
  }
  s->enqueue(b);
}

Network::Network(NetworkConfig config, OnMessage on_message, OnPeer on_peer)
    : impl_(std::make_unique<Impl>(*this, std::move(config), std::move(on_message),
                                   std::move(on_peer))) {}

Network::~Network() {
  stop();
}

bool Network::start(std::string* error) {
  Impl& m = *impl_;
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(m.cfg.listen, &host, &port)) {
    *error = "bad listen address '" + m.cfg.listen + "'";
    return false;
  }
  error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "bad listen address '" + m.cfg.listen + "': " + ec.message();
    return false;
  }
  tcp::endpoint ep(addr, port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + m.cfg.listen + ": " + ec.message();
    return false;
  }
  listen_port_ = m.acceptor.local_endpoint().port();
  const auto& vals = m.cfg.identity.validators;
  m.peers.resize(vals.size());
  for (uint32_t i = 0; i < vals.size(); ++i) {
    auto& p = m.peers[i];
    p.redial = std::make_unique<asio::steady_timer>(m.io);
    if (i >= m.cfg.peers.size() || vals[i] == m.cfg.identity.key.public_key) continue;
    std::string h;
    uint16_t pp = 0;
    if (!split_host_port(m.cfg.peers[i], &h, &pp)) continue;
    const auto a = asio::ip::make_address(h, ec);
    if (ec) continue;
    p.endpoint = tcp::endpoint(a, pp);
    p.dialable = true;
  }
  m.accept();
  for (uint32_t i = 0; i < m.peers.size(); ++i)
    if (m.peers[i].dialable) m.dial(i);
  thread_ = std::thread([this] { impl_->io.run(); });
  return true;
}

void Network::stop() {
  if (!thread_.joinable()) return;
  asio::post(impl_->io, [this] {
    Impl& m = *impl_;
    m.stopping = true;
    error_code ec;
    m.acceptor.close(ec);
    for (auto& p : m.peers) {
      if (p.redial) p.redial->cancel();
      if (p.out) p.out->close("stopping");
      if (p.in) p.in->close("stopping");
    }
    m.io.stop();
  });
  thread_.join();
}

void Network::send(uint32_t to, SharedBytes bytes) {
  asio::post(impl_->io, [this, to, b = std::move(bytes)] { impl_->send(to, b); });
}

void Network::broadcast(SharedBytes bytes) {
  asio::post(impl_->io, [this, b = std::move(bytes)] {
    for (uint32_t i = 0; i < impl_->peers.size(); ++i)
      if (impl_->cfg.identity.validators[i] != impl_->cfg.identity.key.public_key)
        impl_->send(i, b);
  });
}

}  // namespace vigil::p2p
