# aws.py: the outputs of the stack of aws/flyton.yaml into the project: server/groups, and the prod-init commands
#   server/bin/flyton aws outputs STACK [--group prod] [--region REGION]
# Asks the AWS CLI for the stack's outputs (aws cloudformation describe-stacks), writes the group's
# lines into server/groups (the nodes in order, and its drain time for the ALB's checks), and prints
# what to run next: the RDS CA download, the master password from Secrets Manager, prod-init for the
# first node with the database's flags, --like for the others, trusted_proxies, and the promote.
# The template is the one source of truth: nothing here is typed by hand.
import os
import re
import sys
import json
import argparse
import subprocess

root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
name_re = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}\Z")
host_re = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\Z")
# what each output must look like before it reaches a file or a command line
shapes = {
    "SiteUrl": r"^https://[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\Z",
    "Node1": r"^ubuntu@[a-z0-9][a-z0-9.-]{0,252}\Z",
    "Node2": r"^ubuntu@[a-z0-9][a-z0-9.-]{0,252}\Z",
    "Node3": r"^ubuntu@[a-z0-9][a-z0-9.-]{0,252}\Z",
    "DrainSeconds": r"^[0-9]{1,3}\Z",
    "DbHost": r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\Z",
    "DbPort": r"^[0-9]{1,5}\Z",
    "DbMaster": r"^[A-Za-z][A-Za-z0-9_]{0,31}\Z",
    "DbFrom": r"^[0-9.%]{1,40}\Z",
    "DbCaUrl": r"^https://truststore\.pki\.rds\.amazonaws\.com/[a-z0-9-]+/[a-z0-9-]+-bundle\.pem\Z",
    "DbSecretArn": r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+\Z",
    "TrustedProxies": r"^[0-9.]{7,15}/[0-9]{1,2}\Z",
    "AlbName": r"^[A-Za-z0-9.-]{1,253}\Z",
    "CloudFrontName": r"^[a-z0-9.-]{1,253}\Z",
}
needed = ["SiteUrl", "Node1", "DrainSeconds", "DbHost", "DbPort", "DbMaster", "DbFrom", "DbCaUrl", "DbSecretArn", "TrustedProxies"]


def aws(argv):
    p = argparse.ArgumentParser(prog="server/bin/flyton aws", description="The outputs of a stack made from aws/flyton.yaml: "
                                "writes the group's lines into server/groups and prints the prod-init commands (docs/deploy.md, AWS).")
    p.add_argument("what", choices=["outputs"], help="outputs: read the stack's outputs")
    p.add_argument("stack", help="the stack's name (aws cloudformation create-stack --stack-name)")
    p.add_argument("--group", default="prod", help="the group's name in server/groups (default prod)")
    p.add_argument("--region", default="", help="the stack's region (default: the AWS CLI's)")
    p.add_argument("--from", dest="src", default="", help=argparse.SUPPRESS)   # describe-stacks' JSON in a file (tests)
    o = p.parse_args(argv)
    if not name_re.match(o.stack):
        return fail(f"a stack name of letters, digits and - please, not {o.stack!r}")
    if not re.match(r"^[a-z][a-z0-9_]{0,30}\Z", o.group):
        return fail(f"a group name of lowercase letters, digits and _ please, not {o.group!r}")
    if o.region and not re.match(r"^[a-z]{2}(-[a-z]+)+-[0-9]\Z", o.region):
        return fail(f"not a region: {o.region!r}")
    text, err = described(o)
    if err:
        return fail(err)
    out, err = outputs(text, o.stack)
    if err:
        return fail(err)
    nodes = [out[n] for n in ("Node1", "Node2", "Node3") if n in out]
    write_group(o.group, nodes, out["DrainSeconds"])
    print(f"ok: server/groups: {o.group}: {' '.join(nodes)}  ({o.group}.drain: {out['DrainSeconds']}); commit it with the code")
    print(next_steps(o, out, nodes))
    return 0


def fail(why):
    print(f"flyton aws: {why}", file=sys.stderr)
    return 1


def described(o):
    # (describe-stacks' JSON, error)
    if o.src:
        try:
            with open(o.src, encoding="utf-8") as f:
                return f.read(), ""
        except OSError as e:
            return "", f"cannot read {o.src}: {e.strerror}"
    cmd = ["aws", "cloudformation", "describe-stacks", "--stack-name", o.stack, "--output", "json"]
    if o.region:
        cmd += ["--region", o.region]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        return "", "no AWS CLI here (aws): install it and log in (aws configure), see docs/deploy.md, AWS"
    except subprocess.TimeoutExpired:
        return "", "the AWS CLI gave no answer within 120 s"
    if r.returncode:
        last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
        return "", f"aws cloudformation describe-stacks failed: {last[:300]}"
    return r.stdout, ""


def outputs(text, stack):
    # ({key: value}, error): the outputs of a finished stack, each of the shape it must have
    try:
        w = json.loads(text)
        s = w["Stacks"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return {}, "the AWS CLI's answer is not a stack description"
    status = str(s.get("StackStatus", ""))
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"):
        return {}, f"the stack {stack} is {status or 'in no known state'}: wait for CREATE_COMPLETE (aws cloudformation wait stack-create-complete)"
    out = {}
    for x in s.get("Outputs") or []:
        if isinstance(x, dict) and x.get("OutputKey") in shapes:
            out[x["OutputKey"]] = str(x.get("OutputValue", ""))
    missing = [k for k in needed if k not in out]
    if missing:
        return {}, f"the stack {stack} has no output {', '.join(missing)}: is it made from aws/flyton.yaml?"
    for k, v in out.items():
        if not re.match(shapes[k], v):
            return {}, f"the stack's output {k} is not what it should be: {v[:100]!r}"
    return out, ""


def write_group(group, nodes, drain):
    # the group's two lines in server/groups, in place of the old ones (the rest of the file stays)
    path = os.path.join(root, "server", "groups")
    lines = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    keep = [x for x in lines if not (x.startswith(f"{group}:") or x.startswith(f"{group}.drain:"))]
    keep += [f"{group}: {' '.join(nodes)}", f"{group}.drain: {drain}"]
    t = f"{path}.{os.getpid()}.new"
    with open(t, "w", encoding="utf-8") as f:
        f.write("\n".join(keep) + "\n")
    if os.path.exists(path):
        st = os.stat(path)
        os.chmod(t, st.st_mode & 0o777)
        if os.geteuid() == 0:
            os.chown(t, st.st_uid, st.st_gid)
    os.replace(t, path)


def next_steps(o, out, nodes):
    region = f" --region {o.region}" if o.region else ""
    first = nodes[0]
    more = "".join(f"\nsudo server/bin/flyton prod-init {n} --like {first}" for n in nodes[1:])
    proxies = f'["{out["TrustedProxies"]}"]'
    cf = ""
    if "CloudFrontName" in out:
        proxies = f'["{out["TrustedProxies"]}", ...the CLOUDFRONT_ORIGIN_FACING ranges]'
        cf = f"""
With CloudFront ({out['CloudFrontName']}: point {out['SiteUrl'][8:]} at it), trusted_proxies lists its
origin-facing ranges too:
curl -s https://ip-ranges.amazonaws.com/ip-ranges.json | python3 -c 'import json,sys; print([p["ip_prefix"] for p in json.load(sys.stdin)["prefixes"] if p["service"] == "CLOUDFRONT_ORIGIN_FACING"])'
"""
    return f"""
Next (docs/deploy.md, AWS), from this clone; ssh must know the nodes (the key pair: ~/.ssh/config or ssh-add):
curl -fsSo rds-ca.pem {out['DbCaUrl']}
export FLYTON_DB_MASTER_PASSWORD="$(aws secretsmanager get-secret-value{region} --secret-id '{out['DbSecretArn']}' --query SecretString --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')"
sudo --preserve-env=FLYTON_DB_MASTER_PASSWORD server/bin/flyton prod-init {first} --url {out['SiteUrl']} \\
     --db-host {out['DbHost']} --db-port {out['DbPort']} --db-master {out['DbMaster']} --db-ca rds-ca.pem --db-from {out['DbFrom']}{more}
unset FLYTON_DB_MASTER_PASSWORD
Then on each node (ssh {first} ...): trusted_proxies = {proxies} in /srv/flyton/shared/config.py,
and cd /srv/flyton/current && sudo ./install.sh --prod (docs/deploy.md, Scaling out).
{cf}
Then, for every change: sudo server/bin/flyton promote {o.group}"""


if __name__ == "__main__":
    sys.exit(aws(sys.argv[1:]))
