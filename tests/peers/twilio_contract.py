"""A contract server for Twilio's Messages API (not Twilio: what its documentation requires,
https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).

POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic AccountSid:AuthToken,
form-encoded To (E.164), From or MessagingServiceSid (exactly one), Body.
Success: 201 with the Message resource (sid SM…, status "queued").
Errors, as Twilio documents them: 401 code 20003 (authentication), 400 code 21211 (invalid
To), 400 code 21602 (Body missing), 400 code 21603/21604 (sender), 429 code 20429 (too many
requests: sent when To is +15005550429, Twilio's magic-number style).
Every accepted message is appended to FILE as a JSON line.

usage: twilio_contract.py PORT FILE ACCOUNT_SID AUTH_TOKEN"""
import base64
import http.server
import json
import re
import sys
import urllib.parse

PORT, OUT, SID, TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.answer(status, {"code": code, "message": message, "status": status,
                             "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def do_POST(self):
        global count
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self.error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.headers.get("authorization") != expected:
            return self.error(401, 20003, "Authenticate")
        if self.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self.error(400, 20001, "form-encoded body expected")
        length = int(self.headers.get("content-length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        one = {k: v[0] for k, v in form.items()}
        to = one.get("To", "")
        if not E164.match(to):
            return self.error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if to == "+15005550429":
            return self.error(429, 20429, "Too Many Requests")
        if not one.get("Body"):
            return self.error(400, 21602, "Message body is required.")
        senders = [k for k in ("From", "MessagingServiceSid") if one.get(k)]
        if len(senders) != 1:
            return self.error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if "From" in senders and not E164.match(one["From"]):
            return self.error(400, 21212, "Invalid From Number")
        count += 1
        sid = f"SM{count:032x}"
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(one) + "\n")
        self.answer(201, {"sid": sid, "status": "queued", "to": to, "body": one["Body"],
                          "account_sid": SID, "num_segments": "1"})

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
