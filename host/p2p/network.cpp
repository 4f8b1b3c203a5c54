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
  // One validator of the current set. Sessions and dial timers hold it by
  // pointer, not by index: a new set renumbers peers under them.
  struct Peer {
    Key key{};
    uint32_t index = 0;   // in the current set
    bool current = true;  // false once a set dropped it: no more dials
    std::shared_ptr<Session> out, in;
    std::chrono::milliseconds backoff{0};
    std::unique_ptr<asio::steady_timer> redial;
    tcp::endpoint endpoint;
    bool dialable = false;
  };
  using PeerPtr = std::shared_ptr<Peer>;
  std::vector<PeerPtr> peers;  // by current validator index
  uint32_t inbound = 0;
  bool stopping = false;

  Impl(Network& n, NetworkConfig c, OnMessage m, OnPeer p)
      : net(n), cfg(std::move(c)), on_message(std::move(m)), on_peer(std::move(p)) {}

  void accept();
  void dial(const PeerPtr& p);
  void schedule_dial(const PeerPtr& p);
  void established(const std::shared_ptr<Session>& s);
  void closed(Session* s, const std::string& why);
  NetworkCounters& counters() { return net.counters_; }
  void refused(Refusal r) { ++net.counters_.refused[size_t(r)]; }
  void recount();
  void send(uint32_t to, const SharedBytes& b);
  PeerPtr find(const Key& k) const;
  void set_endpoint(Peer& p, const std::string& address);
  void drop(Peer& p);
  void apply_set(std::vector<Key> keys, const std::vector<std::string>& addresses);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // dialed: the peer an outbound session dialed; null for an accepted one
  // until its handshake names it.
  Session(Network::Impl& impl, tcp::socket sock, bool outbound, Network::Impl::PeerPtr dialed)
      : impl_(impl),
        sock_(std::move(sock)),
        timer_(sock_.get_executor()),
        outbound_(outbound),
        peer_(std::move(dialed)) {}

  bool outbound() const { return outbound_; }
  const Network::Impl::PeerPtr& peer() const { return peer_; }
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

  // The hello's key against the set current now (it may have changed since
  // the session started); a dialed address must answer with the key of the
  // validator we dialed.
  Refusal admit() {
    uint32_t index = 0;
    Refusal r = check_hello(impl_.cfg.identity, peer_hello_, &index);
    if (r == Refusal::none && outbound_ && peer_hello_.public_key != peer_->key)
      r = Refusal::unknown_key;
    return r;
  }

  void on_hello() {
    Refusal r = decode_hello(hello_in_, peer_hello_);
    if (r == Refusal::none) r = admit();
    if (r != Refusal::none) return refuse(r);
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
                       // The set may have changed while the proofs crossed.
                       if (const Refusal now = self->admit(); now != Refusal::none)
                         return self->refuse(now);
                       if (!self->outbound_)
                         self->peer_ = self->impl_.find(self->peer_hello_.public_key);
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
                       self->impl_.on_message(self->peer_->index, std::move(msg));
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
  Network::Impl::PeerPtr peer_;
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
        std::make_shared<Session>(*this, std::move(sock), false, nullptr)->start();
      }
    }
    accept();
  });
}

void Network::Impl::dial(const PeerPtr& p) {
  if (stopping || !p->current || !p->dialable) return;
  auto sock = std::make_shared<tcp::socket>(io);
  sock->async_connect(p->endpoint, [this, p, sock](error_code ec) {
    if (stopping || !p->current) return;
    if (ec) return schedule_dial(p);
    error_code ignored;
    sock->set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<Session>(*this, std::move(*sock), true, p);
    p->out = s;
    s->start();
  });
}

void Network::Impl::schedule_dial(const PeerPtr& p) {
  if (stopping || !p->current) return;
  p->backoff = std::min(cfg.max_backoff, std::max(cfg.min_backoff, p->backoff * 2));
  // Jitter in [backoff/2, backoff]: peers that lost each other together do
  // not redial in lockstep.
  const auto half = p->backoff.count() / 2;
  const auto delay = std::chrono::milliseconds(half + int64_t(jitter() % uint64_t(half + 1)));
  p->redial->expires_after(delay);
  p->redial->async_wait([this, p](error_code ec) {
    if (!ec) dial(p);
  });
}

void Network::Impl::established(const std::shared_ptr<Session>& s) {
  Peer& p = *s->peer();
  auto& slot = s->outbound() ? p.out : p.in;
  if (slot && slot != s) slot->close("replaced by a newer session");
  slot = s;
  if (s->outbound()) p.backoff = std::chrono::milliseconds(0);
  ++net.counters_.sessions_up;
  recount();
  on_peer(p.index, true, s->outbound() ? "dialed" : "accepted");
}

void Network::Impl::closed(Session* s, const std::string& why) {
  if (!s->outbound()) --inbound;
  const PeerPtr p = s->peer();
  if (!p) return;  // refused before we knew who it was
  auto& slot = s->outbound() ? p->out : p->in;
  const bool was_up = s->up();
  if (slot.get() == s) slot.reset();
  if (was_up) {
    ++net.counters_.sessions_down;
    recount();
    on_peer(p->index, false, why);
  }
  if (s->outbound()) schedule_dial(p);
}

void Network::Impl::recount() {
  uint32_t n = 0;
  for (const PeerPtr& p : peers) n += (p->out && p->out->up()) || (p->in && p->in->up());
  net.connected_.store(n);
}

void Network::Impl::send(uint32_t to, const SharedBytes& b) {
  if (to >= peers.size()) return;
  Peer& p = *peers[to];
  Session* s = p.out && p.out->up() ? p.out.get() : p.in && p.in->up() ? p.in.get() : nullptr;
  if (!s) {
    ++net.counters_.no_session;
    return;
  }
  s->enqueue(b);
}

Network::Impl::PeerPtr Network::Impl::find(const Key& k) const {
  for (const PeerPtr& p : peers)
    if (p->key == k) return p;
  return nullptr;
}

// This node's own entry and an address that does not parse are never dialed
// (the peer may still dial us).
void Network::Impl::set_endpoint(Peer& p, const std::string& address) {
  std::string h;
  uint16_t port = 0;
  error_code ec;
  p.dialable = false;
  if (p.key == cfg.identity.key.public_key || !split_host_port(address, &h, &port)) return;
  const auto a = asio::ip::make_address(h, ec);
  if (ec) return;
  p.endpoint = tcp::endpoint(a, port);
  p.dialable = true;
}

// A key the set dropped: its sessions close and its dials stop.
void Network::Impl::drop(Peer& p) {
  p.current = false;
  if (p.redial) p.redial->cancel();
  for (auto* slot : {&p.out, &p.in}) {
    if (!*slot) continue;
    if ((*slot)->up()) ++net.counters_.removed_closed;
    const auto s = *slot;  // close() resets the slot
    s->close("removed from the validator set");
  }
}

void Network::Impl::apply_set(std::vector<Key> keys, const std::vector<std::string>& addresses) {
  std::vector<PeerPtr> next, to_dial;
  next.reserve(keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    PeerPtr p = find(keys[i]);
    const bool dialing = p && p->dialable;  // a kept peer goes on dialing on its own
    if (!p) {
      p = std::make_shared<Peer>();
      p->key = keys[i];
      p->redial = std::make_unique<asio::steady_timer>(io);
    }
    p->index = i;
    set_endpoint(*p, i < addresses.size() ? addresses[i] : std::string());
    if (!dialing && p->dialable) to_dial.push_back(p);
    next.push_back(std::move(p));
  }
  std::vector<PeerPtr> old;
  old.swap(peers);
  peers = std::move(next);
  replace_validators(cfg.identity, std::move(keys));
  cfg.peers = addresses;
  for (const PeerPtr& p : old)
    if (!find(p->key)) drop(*p);
  recount();
  for (const PeerPtr& p : to_dial) dial(p);
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
  m.accept();
  std::vector<Key> keys;
  keys.swap(m.cfg.identity.validators);  // apply_set starts from no peers
  m.apply_set(std::move(keys), std::vector<std::string>(m.cfg.peers));
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
      if (p->redial) p->redial->cancel();
      if (const auto s = p->out) s->close("stopping");
      if (const auto s = p->in) s->close("stopping");
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
      if (impl_->peers[i]->key != impl_->cfg.identity.key.public_key) impl_->send(i, b);
  });
}

void Network::set_validators(std::vector<Key> keys, std::vector<std::string> addresses) {
  asio::post(impl_->io, [this, k = std::move(keys), a = std::move(addresses)]() mutable {
    if (!impl_->stopping) impl_->apply_set(std::move(k), a);
  });
}

}  // namespace vigil::p2p
