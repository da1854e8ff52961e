# test_aws.py: the AWS road (aws/flyton.yaml, flyton aws outputs): the template passes cfn-lint and
# says what the docs promise (encrypted RDS with TLS, nodes open to the ALB only, the ping as the
# health check, CloudFront caching /v/* only); the ALB's check with a node's address as Host is
# answered on the persistent runtime; the stack's outputs fill server/groups and the prod-init
# flags in one command, through a stand-in for the AWS CLI; bad outputs change nothing.
import os
import sys
import json
import shutil
import subprocess

import pytest

from conftest import http, top, runtime, clone_copy

template = f"{top}/aws/flyton.yaml"
here = pytest.mark.skipif(not os.path.exists(template), reason="this project has no aws/flyton.yaml (dropped)")
lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")


def load():
    from cfnlint.decode import cfn_yaml
    return cfn_yaml.load(template)


@here
@pytest.mark.once
def test_the_template_passes_cfn_lint_and_a_broken_one_does_not(tmp_path):
    r = subprocess.run([lint, template], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(template).read().replace("StorageEncrypted: true", "StorageEncrypted: maybe"))
    r = subprocess.run([lint, str(bad)], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "StorageEncrypted" in r.stdout or "maybe" in r.stdout, r.stdout


@here
@pytest.mark.once
def test_the_template_makes_what_the_docs_say():
    t = load()
    res = t["Resources"]
    db = res["Db"]["Properties"]
    assert db["Engine"] == "mysql" and str(db["EngineVersion"]).startswith("8.4")
    assert db["StorageEncrypted"] is True and db["DeletionProtection"] is True
    assert db["ManageMasterUserPassword"] is True and "MasterUserPassword" not in db
    assert db["PubliclyAccessible"] is False
    assert res["DbParams"]["Properties"]["Parameters"]["require_secure_transport"] == "1"
    assert res["Db"]["DeletionPolicy"] == "Snapshot"
    # the nodes: https from the ALB's group only, nothing from everyone; IMDSv2 only
    ing = res["NodeGroup"]["Properties"]["SecurityGroupIngress"]
    assert {(x["FromPort"], str(x.get("SourceSecurityGroupId", x.get("CidrIp")))) for x in ing} == \
        {(443, "{'Ref': 'AlbGroup'}"), (22, "{'Ref': 'SshFrom'}")}
    assert res["DbGroup"]["Properties"]["SecurityGroupIngress"][0]["SourceSecurityGroupId"] == {"Ref": "NodeGroup"}
    lt = res["NodeTemplate"]["Properties"]["LaunchTemplateData"]
    assert lt["MetadataOptions"]["HttpTokens"] == "required"
    assert "AmazonSSMManagedInstanceCore" in str(res["NodeRole"]["Properties"]["ManagedPolicyArns"])
    # the health check is the ping, over https
    tg = res["Targets"]["Properties"]
    assert tg["HealthCheckPath"] == "/cgi-bin/api?meth=api_ping"
    assert tg["Protocol"] == "HTTPS" and tg["HealthCheckProtocol"] == "HTTPS"
    assert res["HttpToHttps"]["Properties"]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    # CloudFront: nothing cached but /v/*, the viewer's Host passed on
    cf = res["Cdn"]["Properties"]["DistributionConfig"]
    assert cf["DefaultCacheBehavior"]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"      # CachingDisabled
    assert [b["PathPattern"] for b in cf["CacheBehaviors"]] == ["/v/*"]
    assert cf["CacheBehaviors"][0]["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"      # CachingOptimized
    for b in [cf["DefaultCacheBehavior"]] + cf["CacheBehaviors"]:
        assert b["OriginRequestPolicyId"] == "216adef6-5c7f-47e4-b989-5492eafa07d3"     # AllViewer: Host
    assert "SourcePrefixListId" in str(res["AlbGroup"]["Properties"]["SecurityGroupIngress"])
    # every output flyton aws needs is there
    need = aws_module().needed
    assert set(need) <= set(t["Outputs"]), set(need) - set(t["Outputs"])


def aws_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("flyton_aws", f"{top}/server/commands/aws.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def test_an_albs_health_check_with_the_nodes_address_as_host_is_answered():
    if runtime != "wsgi":
        pytest.skip("a prod node runs the persistent runtime; a dev box (CGI) stands behind no balancer")
    st, h, t = http("/cgi-bin/api?meth=api_ping", headers={"Host": "10.0.1.11"})
    assert st == 200, t
    assert json.loads(t)["server"]["allow"] == 1
    for path in ("/pages/login/", "/cgi-bin/api?meth=api_ping&x=1", "/v/0000000000000000/a.js"):
        st, h, t = http(path, headers={"Host": "10.0.1.11"})
        assert st == 421, path
        assert h["Cache-Control"] == "no-store", path


def stack(nodes=2, status="CREATE_COMPLETE", **change):
    o = {"SiteUrl": "https://www.example.com", "DrainSeconds": "12",
         "DbHost": "flyton-db.abc123.eu-west-1.rds.amazonaws.com", "DbPort": "3306", "DbMaster": "flytonmaster",
         "DbFrom": "10.0.%", "DbCaUrl": "https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem",
         "DbSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf",
         "TrustedProxies": "10.0.0.0/16", "AlbName": "flyton-alb-1.eu-west-1.elb.amazonaws.com"}
    for i in range(1, nodes + 1):
        o[f"Node{i}"] = f"ubuntu@ec2-52-0-0-{i}.eu-west-1.compute.amazonaws.com"
    o.update(change)
    return {"Stacks": [{"StackName": "site", "StackStatus": status,
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in o.items() if v is not None]}]}


@pytest.fixture
def app(tmp_path):
    # a copy of the project, its server/groups with a line of the user's own; a stand-in for the AWS CLI
    # (it answers what the file stack.json says and notes the words it was called with)
    d = str(tmp_path / "app")
    clone_copy(d)
    with open(f"{d}/server/groups", "a") as f:
        f.write("staging: ubuntu@10.9.9.9\nprod: old1 old2\nprod.drain: 5\n")
    b = tmp_path / "bin"
    b.mkdir()
    (b / "aws").write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\ncat {tmp_path}/stack.json\n")
    (b / "aws").chmod(0o755)
    return d, tmp_path


def run_aws(app, *words, path=None):
    d, tmp = app
    env = dict(os.environ, PATH=f"{tmp}/bin:/usr/bin:/bin" if path is None else path)
    return subprocess.run([f"{d}/server/bin/flyton", "aws", *words], capture_output=True, text=True, env=env, timeout=60)


@here
@pytest.mark.once
def test_the_stacks_outputs_fill_the_group_and_the_prod_init_flags_in_one_command(app):
    d, tmp = app
    (tmp / "stack.json").write_text(json.dumps(stack(3)))
    # the project's own server/groups (its comments, its other groups): what must stay as it is
    mine = lambda g: [x for x in g if not x.startswith(("prod:", "prod.drain:", "t_aws:", "t_aws.drain:"))]
    own = mine(open(f"{d}/server/groups").read().splitlines())
    r = run_aws(app, "outputs", "site", "--region", "eu-west-1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert open(tmp / "args").read().split() == ["cloudformation", "describe-stacks", "--stack-name", "site",
                                                 "--output", "json", "--region", "eu-west-1"]
    g = open(f"{d}/server/groups").read().splitlines()
    n = [f"ubuntu@ec2-52-0-0-{i}.eu-west-1.compute.amazonaws.com" for i in (1, 2, 3)]
    assert f"prod: {' '.join(n)}" in g and "prod.drain: 12" in g
    assert "staging: ubuntu@10.9.9.9" in g and "prod: old1 old2" not in g and "prod.drain: 5" not in g
    assert mine(g) == own and "staging: ubuntu@10.9.9.9" in own      # the rest of the file stays, in order
    out = r.stdout
    assert (f"server/bin/flyton prod-init {n[0]} --url https://www.example.com \\\n     --db-host "
            "flyton-db.abc123.eu-west-1.rds.amazonaws.com --db-port 3306 --db-master flytonmaster --db-ca rds-ca.pem "
            "--db-from 10.0.%") in out
    for x in n[1:]:
        assert f"sudo server/bin/flyton prod-init {x} --like {n[0]}" in out
    assert "curl -fsSo rds-ca.pem https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem" in out
    assert 'trusted_proxies = ["10.0.0.0/16"]' in out
    assert "sudo server/bin/flyton promote prod" in out
    # the flags it prints are prod-init's own
    h = subprocess.run([f"{d}/server/bin/flyton", "prod-init", "--help"], capture_output=True, text=True, timeout=60).stdout
    for flag in ("--url", "--db-host", "--db-port", "--db-master", "--db-ca", "--db-from", "--like"):
        assert flag in h, flag
    # run again with one node: the group is that node, once
    (tmp / "stack.json").write_text(json.dumps(stack(1)))
    assert run_aws(app, "outputs", "site", "--group", "t_aws").returncode == 0
    g = open(f"{d}/server/groups").read().splitlines()
    assert g.count(f"t_aws: {n[0]}") == 1 and f"prod: {' '.join(n)}" in g
    assert mine(g) == own


@here
@pytest.mark.once
def test_a_bad_stack_or_bad_outputs_change_nothing_and_say_why(app):
    d, tmp = app
    before = open(f"{d}/server/groups").read()
    cases = [
        (["outputs", "site;rm"], None, "stack name"),
        (["outputs", "site", "--group", "Prod x"], None, "group name"),
        (["outputs", "site", "--region", "mars"], None, "not a region"),
        (["outputs", "site"], stack(status="CREATE_IN_PROGRESS"), "CREATE_COMPLETE"),
        (["outputs", "site"], stack(Node1="ubuntu@x; rm -rf /"), "Node1"),
        (["outputs", "site"], stack(DbHost=None), "DbHost"),
        (["outputs", "site"], "not json", "not a stack description"),
        (["outputs", "site"], stack(DbFrom="%' OR 1"), "DbFrom"),
    ]
    for words, answer, says in cases:
        if answer is not None:
            (tmp / "stack.json").write_text(answer if isinstance(answer, str) else json.dumps(answer))
        r = run_aws(app, *words)
        assert r.returncode == 1, (words, r.stdout)
        assert says in r.stderr and "Traceback" not in r.stderr, (words, r.stderr)
        assert open(f"{d}/server/groups").read() == before
    if not shutil.which("aws", path="/usr/bin:/bin"):
        r = run_aws(app, "outputs", "site", path="/usr/bin:/bin")
        assert r.returncode == 1 and "no AWS CLI" in r.stderr, r.stderr
