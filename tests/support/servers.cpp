#include "servers.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "net.hpp"

#ifndef TDUMP_SOURCE_DIR
#error "TDUMP_SOURCE_DIR must be defined by the build"
#endif

namespace tdump::testing {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

std::filesystem::path source_dir() {
  return TDUMP_SOURCE_DIR;
}
std::filesystem::path binary_dir() {
  return TDUMP_BINARY_DIR;
}
std::filesystem::path node_bin(const std::string& tool) {
  return source_dir() / "node_modules" / ".bin" / tool;
}

namespace {

[[noreturn]] void did_not_start(const std::string& what, const std::filesystem::path& log) {
  std::string text;
  if (std::filesystem::exists(log)) text = read_file(log);
  constexpr std::size_t kKeep = 4096;
  if (text.size() > kKeep) text = "..." + text.substr(text.size() - kKeep);
  throw std::runtime_error(what + " did not start; its log (" + log.string() + "):\n" + text);
}

}  // namespace

StartedServer start_python_server(const std::filesystem::path& script, const std::vector<std::string>& args,
                                  const std::filesystem::path& dir, const std::filesystem::path& log,
                                  std::chrono::seconds timeout) {
  StartedServer server;
  server.port = free_port();
  std::vector<std::string> argv = {"python3", "-B", script.string(), "--port", std::to_string(server.port)};
  argv.insert(argv.end(), args.begin(), args.end());
  server.process = ChildProcess(argv, {}, dir, log);
  if (!wait_for_port(server.port, timeout)) did_not_start(script.filename().string(), log);
  return server;
}

void wait_for_ready_file(ChildProcess& process, const std::filesystem::path& ready_file, const std::string& what,
                         const std::filesystem::path& log, std::chrono::seconds timeout) {
  // A file appearing has no descriptor to wait on (short of inotify): checked every 20 ms.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!std::filesystem::exists(ready_file)) {
    if (std::chrono::steady_clock::now() > deadline || !process.running()) did_not_start(what, log);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string url_encode_path(std::string_view key) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

MotoServer::MotoServer(int auth_after_actions) {
  port_ = free_port();
  std::map<std::string, std::string> env;
  if (auth_after_actions >= 0) env["INITIAL_NO_AUTH_ACTION_COUNT"] = std::to_string(auth_after_actions);
  process_ = ChildProcess({"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port_)}, env, dir_.path(),
                          dir_ / "moto.log");
  require(wait_for_port(port_, std::chrono::seconds(30)),
          "moto_server did not start (see " + (dir_ / "moto.log").string() + ")");
}

void MotoServer::create_bucket(const std::string& bucket) const {
  auto r = simple_http("PUT", port_, "/" + bucket);
  require(r.status == 200, "create bucket " + bucket + ": " + std::to_string(r.status) + " " + r.body);
}

void MotoServer::put_object(const std::string& bucket, const std::string& key, std::string_view data) const {
  auto r = simple_http("PUT", port_, "/" + bucket + "/" + url_encode_path(key), std::string(data),
                       "Content-Type: application/octet-stream\r\n");
  require(r.status == 200, "put " + key + ": " + std::to_string(r.status) + " " + r.body);
}

void MotoServer::make_public(const std::string& bucket) const {
  std::string policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
                       R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::)" +
                       bucket + R"(/*"}]})";
  auto r = simple_http("PUT", port_, "/" + bucket + "?policy", policy, "Content-Type: application/json\r\n");
  require(r.status == 200 || r.status == 204, "put policy: " + std::to_string(r.status) + " " + r.body);
}

AzuriteServer::AzuriteServer() {
  port_ = free_port();
  process_ =
      ChildProcess({node_bin("azurite-blob").string(), "--blobHost", "127.0.0.1", "--blobPort", std::to_string(port_),
                    "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"},
                   {}, dir_.path(), dir_ / "azurite.log");
  require(wait_for_port(port_, std::chrono::seconds(60)),
          "azurite did not start (see " + (dir_ / "azurite.log").string() + ")");
}

void AzuriteServer::create_container(const std::string& container, bool public_access) const {
  auto r = simple_http("PUT", port_, std::string("/") + kAccount + "/" + container + "?restype=container&" + kSas, {},
                       public_access ? "x-ms-blob-public-access: container\r\n" : "");
  require(r.status == 201, "create container: " + std::to_string(r.status) + " " + r.body);
}

void AzuriteServer::put_blob(const std::string& container, const std::string& key, std::string_view data) const {
  auto r =
      simple_http("PUT", port_, std::string("/") + kAccount + "/" + container + "/" + url_encode_path(key) + "?" + kSas,
                  std::string(data), "x-ms-blob-type: BlockBlob\r\n");
  require(r.status == 201, "put blob " + key + ": " + std::to_string(r.status) + " " + r.body);
}

NginxServer::NginxServer(int workers, const std::string& extra_server_config, const std::string& extra_http_config) {
  port_ = free_port();
  std::filesystem::create_directories(root());
  std::filesystem::create_directories(dir_ / "tmp");
  std::string conf =
      "load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;\n"
      "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
      "daemon off; user root; worker_processes " +
      std::to_string(workers) + ";\npid " + (dir_ / "nginx.pid").string() + ";\nerror_log " +
      (dir_ / "error.log").string() +
      ";\n"
      "events { worker_connections 8192; }\n"
      "http { include /etc/nginx/mime.types; access_log off; client_body_temp_path " +
      (dir_ / "tmp").string() +
      ";\n"
      "  keepalive_requests 1000000; keepalive_timeout 300s;\n" +
      extra_http_config + "  server { listen 127.0.0.1:" + std::to_string(port_) + "; root " + root().string() +
      ";\n"
      "    location / { dav_methods PUT MKCOL; create_full_put_path on; dav_ext_methods PROPFIND OPTIONS; }\n" +
      extra_server_config + "  }\n}\n";
  write_file(dir_ / "nginx.conf", conf);
  process_ = ChildProcess({"nginx", "-c", (dir_ / "nginx.conf").string(), "-p", dir_.path().string() + "/"}, {},
                          dir_.path(), dir_ / "stderr.log");
  require(wait_for_port(port_, std::chrono::seconds(10)),
          "nginx did not start (see " + (dir_ / "error.log").string() + ")");
}

}  // namespace tdump::testing
