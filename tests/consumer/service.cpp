// Embeds the installed irtcat::service as a C++ platform would: a service on a free port of 127.0.0.1 over a new
// database, asked for /healthz over a plain socket; exits 0 when it answers 200.
#include <irtcat/service.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>

namespace {

std::string get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) reply.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  irtcat::ServiceOptions options;
  options.database = argv[1];
  options.port = 0;
  const irtcat::ClientCredentials client = irtcat::add_service_client(options.database, "consumer");
  irtcat::Service service(options);
  std::thread server([&service] { service.run(); });
  const std::string reply = get(service.port(), "/healthz");
  service.stop();
  server.join();
  std::cout << reply.substr(0, reply.find('\r')) << '\n';
  return reply.starts_with("HTTP/1.1 200") && !client.secret.empty() ? 0 : 1;
}
