#pragma once
// One object store over HTTP for every remote backend (S3, GCS, Azure, WebDAV). What they all do
// exists once here: ask the credential provider for the current credential, build the request,
// submit it, turn the answer into a result or an error that names the request, parse it, and
// retry once with a fresh credential when the server says the one used has expired. Each backend
// supplies only a RequestBuilder (its URLs, headers and signing) and the parsers of its answers;
// a new backend or a new credential source touches one folder.
//
// Lifetimes: the builder, the provider and the engine are shared with every callback in flight
// (a callback never touches the store object), so a store may be destroyed while reads finish.
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/common/parallel_list.hpp"
#include "store/common/server_text.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

// Builds a backend's requests and reads its answers. Keys are store-relative: the builder adds
// the store's root prefix. `credential` is null for an anonymous store. Immutable once built,
// shared by every thread.
template <typename Credential>
class RequestBuilder {
 public:
  RequestBuilder() = default;
  RequestBuilder(const RequestBuilder&) = delete;
  RequestBuilder& operator=(const RequestBuilder&) = delete;
  virtual ~RequestBuilder() = default;

  [[nodiscard]] virtual http::Request read(std::string_view key, ByteRange range,
                                           const Credential* credential) const = 0;
  // `if_absent`: a create-only write (S3 / Azure `If-None-Match: *`, GCS `ifGenerationMatch=0`)
  // that the server refuses when the object exists.
  [[nodiscard]] virtual http::Request put(std::string_view key, std::string_view bytes, const Credential* credential,
                                          bool if_absent = false) const = 0;
  // The answer to a create-only write that says the object was already there.
  [[nodiscard]] virtual bool already_exists(const http::Response& response) const { return response.status == 412; }
  [[nodiscard]] virtual http::Request remove(std::string_view key, const Credential* credential) const = 0;
  // Paged listings (S3, GCS, Azure): one page of `page.prefix` (store-relative; the builder
  // adds its root prefix, and strips it again when parsing). A backend that lists otherwise
  // (WebDAV walks a tree) overrides ObjectStore::list and leaves these to the defaults, which
  // are never called.
  [[nodiscard]] virtual http::Request list(const PageRequest& /*page*/, const Credential* /*credential*/) const {
    return {};
  }
  [[nodiscard]] virtual ListCapabilities list_capabilities() const { return {}; }
  [[nodiscard]] virtual Result<Page> parse_list(std::string_view /*body*/) const {
    return make_error(ErrorCode::kUnsupported, "this store does not list in pages");
  }
  [[nodiscard]] virtual std::size_t max_page_size() const { return 1000; }

  // The backend's error body (S3/Azure XML, GCS JSON): code, message, category.
  [[nodiscard]] virtual RemoteError parse_error(const http::Response& response) const = 0;
  // A 404 to a delete that means "the object is already gone" (success), as opposed to a
  // missing bucket or container (an error).
  [[nodiscard]] virtual bool already_gone(const http::Response& response) const = 0;
  // The server refused the credential as expired or revoked (S3 ExpiredToken, a 401 to a
  // bearer token): worth one more attempt with a fresh credential.
  [[nodiscard]] virtual bool credential_rejected(const http::Response& /*response*/) const { return false; }
};

template <typename Credential>
class HttpObjectStore : public ObjectStore {
 public:
  using Builder = RequestBuilder<Credential>;
  using Provider = CredentialProviderPtr<Credential>;
  using CredentialPtr = typename CredentialProvider<Credential>::Ptr;

  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override {
    return list(prefix, ListOptions{page_size, 1, {}});
  }

  // Pages of `prefix`, with up to options.parallelism LIST requests in flight (the tree and
  // key-range splits of store/common/parallel_list.hpp), only keys inside options.ranges.
  std::unique_ptr<ListStream> list(std::string_view prefix, const ListOptions& options) override {
    ParallelListSettings settings;
    settings.page_size = options.page_size;
    if (settings.page_size == 0 || settings.page_size > shared_->builder->max_page_size()) {
      settings.page_size = shared_->builder->max_page_size();
    }
    settings.parallelism = options.parallelism;
    settings.ranges = options.ranges;
    settings.shape = options.shape;
    settings.parts = options.parts;
    settings.description = url_for(prefix);
    auto fetch = [shared = shared_](const PageRequest& page, std::function<void(Result<Page>)> done) {
      auto what = std::make_shared<std::string>();
      shared->send(
          [shared = shared.get(), page, what](const Credential* credential) {
            http::Request request = shared->builder->list(page, credential);
            *what = request.method + " " + request.display_url;
            return request;
          },
          {},
          [shared, what, done = std::move(done)](Result<http::Response> response, const Secrets& secrets) {
            if (!response) {
              done(std::move(response).error());
              return;
            }
            if (response->status != 200) {
              done(shared->error_for(*response, *what, secrets));
              return;
            }
            if (response->body_capped) {
              done(make_error(ErrorCode::kLimit, *what + ": listing page larger than its cap"));
              return;
            }
            done(shared->builder->parse_list(response->body));
          });
    };
    return make_parallel_list(std::move(fetch), shared_->builder->list_capabilities(), std::string(prefix),
                              std::move(settings));
  }

  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override {
    std::string what = "GET " + url_for(key);
    shared_->send(
        [shared = shared_.get(), key = std::string(key), range](const Credential* credential) {
          return shared->builder->read(key, range, credential);
        },
        what,
        [shared = shared_, range, what, callback = std::move(callback)](Result<http::Response> response,
                                                                        const Secrets& secrets) {
          if (!response) {
            callback(std::move(response).error());
            return;
          }
          callback(range_read_from_response(std::move(*response), range, what, shared->error_parser(), secrets));
        });
  }

  Status put_object(std::string_view key, std::string_view bytes) override {
    std::string what = "PUT " + url_for(key);
    if (!shared_->credentials) return anonymous_write_error(what, anonymous_reason_);
    auto [response, secrets] = shared_->execute(
        [&](const Credential* credential) { return shared_->builder->put(key, bytes, credential); }, what);
    return write_status(std::move(response), what, shared_->error_parser(), secrets);
  }

  Result<bool> put_object_if_absent(std::string_view key, std::string_view bytes) override {
    std::string what = "PUT " + url_for(key) + " (create only)";
    if (!shared_->credentials) return anonymous_write_error(what, anonymous_reason_);
    auto [response, secrets] = shared_->execute(
        [&](const Credential* credential) { return shared_->builder->put(key, bytes, credential, true); }, what);
    if (response && shared_->builder->already_exists(*response)) return false;
    Status status = write_status(std::move(response), what, shared_->error_parser(), secrets);
    if (!status) return std::move(status).error();
    return true;
  }

  [[nodiscard]] bool lists_from_any_key() const override { return shared_->builder->list_capabilities().start_after; }

  Status delete_object(std::string_view key) override {
    std::string what = "DELETE " + url_for(key);
    if (!shared_->credentials) return anonymous_write_error(what, anonymous_reason_);
    auto [response, secrets] =
        shared_->execute([&](const Credential* credential) { return shared_->builder->remove(key, credential); }, what);
    if (response && (response->status == 404 || response->status == 410) && shared_->builder->already_gone(*response)) {
      return {};
    }
    return write_status(std::move(response), what, shared_->error_parser(), secrets);
  }

  // Where the credentials come from, for messages ("anonymous" when there are none).
  [[nodiscard]] std::string credential_source() const {
    return shared_->credentials ? shared_->credentials->describe() : std::string("anonymous");
  }

 protected:
  // `credentials` null: an anonymous store; writes are refused, naming `anonymous_reason`.
  HttpObjectStore(std::shared_ptr<const Builder> builder, Provider credentials, std::shared_ptr<http::Engine> engine,
                  std::string anonymous_reason)
      : shared_(std::make_shared<Shared>(std::move(builder), std::move(credentials), std::move(engine))),
        anonymous_reason_(std::move(anonymous_reason)) {}

  [[nodiscard]] const Builder& builder() const { return *shared_->builder; }

  using Secrets = std::vector<std::string>;
  struct Answer {
    Result<http::Response> response;
    Secrets secrets;  // what the request carried, for server_text() (filled when it did not succeed)
  };
  // Sends one request built by `make` for the current credential and waits for the answer
  // (control-plane threads only). Errors are annotated with `what` when it is given.
  template <typename Make>
  Answer execute(Make&& make, std::string_view what) const {
    return shared_->execute(std::forward<Make>(make), what);
  }
  // The parser error_from_response needs, bound to this store's builder.
  [[nodiscard]] RemoteErrorParser error_parser() const { return shared_->error_parser(); }

 private:
  using Done = std::function<void(Result<http::Response>, const Secrets&)>;
  using Make = std::function<http::Request(const Credential*)>;

  struct Shared : std::enable_shared_from_this<Shared> {
    Shared(std::shared_ptr<const Builder> b, Provider c, std::shared_ptr<http::Engine> e)
        : builder(std::move(b)), credentials(std::move(c)), engine(std::move(e)) {}

    // The credential step, the request, and one more round with a fresh credential when the
    // server refused the one used (a credential that expired between the cache and the server).
    void send(Make make, std::string what, Done done, bool fresh_retry = false) const {
      auto self = this->shared_from_this();
      auto with_credential = [self, make = std::move(make), what = std::move(what), done = std::move(done),
                              fresh_retry](Result<CredentialPtr> credential) mutable {
        if (!credential) {
          done(annotate(std::move(credential).error(), what), {});
          return;
        }
        CredentialPtr used = std::move(*credential);
        http::Request request = make(used.get());
        self->engine->submit(std::move(request), [self, make = std::move(make), what = std::move(what),
                                                  done = std::move(done), used = std::move(used),
                                                  fresh_retry](Result<http::Response> response) mutable {
          // The credential's values, for redacting a server that echoes them (only when the answer
          // is not a success: the hot path copies nothing).
          Secrets secrets;
          if (used && (!response || response->status >= 300)) secrets = credential_secrets(*used);
          if (!response) {
            done(annotate(std::move(response).error(), what), secrets);
            return;
          }
          if (!fresh_retry && used && self->credentials->refreshes() && self->builder->credential_rejected(*response)) {
            self->credentials->invalidate(used);
            self->send(std::move(make), std::move(what), std::move(done), true);
            return;
          }
          done(std::move(response), secrets);
        });
      };
      if (credentials) {
        credentials->get(std::move(with_credential));
      } else {
        with_credential(CredentialPtr{});
      }
    }

    template <typename MakeFn>
    Answer execute(MakeFn&& make, std::string_view what) const {
      std::promise<Answer> promise;
      auto future = promise.get_future();
      send(Make(std::forward<MakeFn>(make)), std::string(what),
           [&promise](Result<http::Response> response, const Secrets& secrets) {
             promise.set_value(Answer{std::move(response), secrets});
           });
      return future.get();
    }

    [[nodiscard]] Error error_for(const http::Response& response, std::string_view what, const Secrets& secrets) const {
      return error_from_response(response, what, error_parser(), secrets);
    }
    [[nodiscard]] RemoteErrorParser error_parser() const {
      return [builder = builder](const http::Response& response) { return builder->parse_error(response); };
    }
    static Error annotate(Error error, std::string_view what) {
      return what.empty() ? std::move(error) : annotate_transport_error(std::move(error), what);
    }

    std::shared_ptr<const Builder> builder;
    Provider credentials;  // null: anonymous
    std::shared_ptr<http::Engine> engine;
  };

  std::shared_ptr<Shared> shared_;
  std::string anonymous_reason_;
};

}  // namespace tdump::store
