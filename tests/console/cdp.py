"""A headless Debian chromium driven through its DevTools protocol (python3-websocket), for
the console's browser tests: navigate, evaluate, click, screenshot, and everything the page
said that a reader would call an error (console errors, uncaught exceptions, CSP and network
errors in the log) or a dialog it opened."""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import websocket  # python3-websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import _children, short_tmpdir, wait_until


class Browser:
    def __init__(self, headers=None):
        exe = shutil.which("chromium")
        assert exe, "chromium is not installed (scripts/deps test)"
        self.profile = short_tmpdir("vgc")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _children.append(self.proc)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        wait_until(lambda: os.path.exists(port_file) and open(port_file).read().count("\n") >= 1, 30,
                   "chromium's DevTools port")
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = [t for t in targets if t["type"] == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.seq = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        if headers:
            self.call("Network.setExtraHTTPHeaders", headers=headers)

    def call(self, method, **params):
        self.seq += 1
        my = self.seq
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                assert "error" not in msg, f"{method}: {msg['error']}"
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == "Page.javascriptDialogOpening":
                    # never left open (it would block the page): dismissed, and kept as a failure
                    self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                             "params": {"accept": False}}))

    def pump(self, seconds=0.3):
        """Reads the events that arrive for a moment (a dialog opened late, an error)."""
        self.ws.settimeout(seconds)
        try:
            while True:
                msg = json.loads(self.ws.recv())
                if "method" in msg:
                    self.events.append(msg)
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(30)

    def open(self, url):
        """Navigates and waits for the load event; returns the HTTP status of the document."""
        self.events = []
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            assert time.time() < deadline, f"{url} did not load"
            self.pump(0.2)
        self.pump(0.3)
        status = [e["params"]["response"]["status"] for e in self.events
                  if e["method"] == "Network.responseReceived" and e["params"]["type"] == "Document"]
        return status[0] if status else None

    def problems(self):
        """What a reader would call an error: console errors, exceptions, error log entries
        (CSP violations, failed loads), dialogs."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console.{p['type']}: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry'].get('text')}")
            elif m == "Page.javascriptDialogOpening":
                out.append(f"dialog: {p.get('message')}")
        return out

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in r, r["exceptionDetails"]
        return r["result"].get("value")

    def viewport(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return os.path.getsize(path)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
