"""An HTTP CONNECT proxy on 127.0.0.1 that tunnels `CONNECT <name>.localhost:PORT` (and
`localhost:PORT`) to 127.0.0.1:PORT and refuses every other target.

cosign is a Go program, and Go's resolver does not map *.localhost names to the loopback
address; with HTTPS_PROXY pointing here, cosign's azurekms:// client reaches the Lowkey Vault
emulator under the vault host its SDK accepts (tests/interop/NOTES.md). TLS stays end to end:
the proxy only copies bytes. Prints the port it listens on, then serves until killed."""

import socket
import sys
import threading


def pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client: socket.socket) -> None:
    with client:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(4096)
            if not data or len(head) > 16384:
                return
            head += data
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if len(parts) != 3 or parts[0] != "CONNECT" or ":" not in parts[1]:
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            return
        host, port = parts[1].rsplit(":", 1)
        if not (host == "localhost" or host.endswith(".localhost")) or not port.isdigit():
            client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            return
        with upstream:
            upstream.settimeout(None)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=pipe, args=(client, upstream), daemon=True)
            back.start()
            pipe(upstream, client)
            back.join(timeout=5)


def main() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
