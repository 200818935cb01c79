"""
A real moto server with a small ECS "scheduler" simulation on top, for Glidepath's ECS tests.

moto stores ECS services and ELBv2 target groups but runs nothing: services never reach their running
count by themselves, no targets are registered behind a service's target group, UpdateService overwrites
the task definition in place without a deployment, and tasks never exit with a code. This harness runs
moto's own WSGI app in-process and, under one lock, plays the parts AWS would:

- every DescribeServices call is one scheduler "tick": an IN_PROGRESS deployment completes after
  `ticks` ticks (running count = desired, one healthy IP target per task registered in the service's
  target groups), or fails (circuit breaker, with ECS's own rollback when the service enables it) when its
  image was declared failing;
- UpdateService with a new task definition starts a new PRIMARY deployment, as ECS's rolling update does;
- targets of a service can be declared unhealthy, and a service can be held (never starts);
- a task of a given task-definition family can be declared to exit with a code and reason.

Control routes (JSON POST) live under /_sim/; everything else is moto. Usage: ecs_sim.py -p PORT
"""

import argparse
import itertools
import json
import os
import threading

os.environ.setdefault("MOTO_ECS_SERVICE_RUNNING", "0")  # new services start with nothing running

from moto.ecs.models import EC2ContainerServiceBackend, Task, ecs_backends  # noqa: E402
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.core.utils import utcnow  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

ACCOUNT = "123456789012"
LOCK = threading.RLock()
CONFIG = {"ticks": 2}
SERVICE_RULES: dict[str, dict] = {}  # service name -> {"hold": bool, "health": "unhealthy", "reason": str}
FAILING_IMAGES: dict[str, str] = {}  # image -> reason
TASK_EXITS: dict[str, dict] = {}  # task definition family -> {"exitCode": int, "reason": str}
TARGET_OWNER: dict[tuple[str, str], str] = {}  # (target group arn, target id) -> service name
IPS = itertools.count(1)


def backends():
    for region in ("us-east-1", "eu-west-1"):
        yield ecs_backends[ACCOUNT][region], elbv2_backends[ACCOUNT][region]


# ---- ELBv2: health that a test can turn bad --------------------------------------------------------------

_health_for = FakeTargetGroup.health_for


def health_for(self, target, ec2_backend):
    status = _health_for(self, target, ec2_backend)
    owner = TARGET_OWNER.get((self.arn, target["Id"]))
    rule = SERVICE_RULES.get(owner or "", {})
    if status.status == "healthy" and rule.get("health") == "unhealthy":
        return FakeHealthStatus(
            status.instance_id, status.port, status.health_check_port, "unhealthy",
            "Target.ResponseCodeMismatch", rule.get("reason", "Health checks failed with these codes: [500]"),
        )
    return status


FakeTargetGroup.health_for = health_for


# ---- ECS: deployments that progress ------------------------------------------------------------------------

def new_deployment(service, task_definition_arn, state="IN_PROGRESS"):
    dep_id = f"ecs-svc/{next(IPS) * 7919:019d}"
    return {
        "id": dep_id, "status": "PRIMARY", "taskDefinition": task_definition_arn,
        "desiredCount": service.desired_count, "pendingCount": service.desired_count, "runningCount": 0,
        "failedTasks": 0, "createdAt": utcnow(), "updatedAt": utcnow(), "launchType": service.launch_type,
        "rolloutState": state, "rolloutStateReason": f"ECS deployment {dep_id} in progress.",
    }


def event(service, message):
    service.events.insert(0, {"id": str(next(IPS)), "createdAt": utcnow(), "message": f"(service {service.name}) {message}"})


_update_service = EC2ContainerServiceBackend.update_service


def update_service(self, props):
    name = props["service"].split("/")[-1]
    service = self._get_service(props.get("cluster", "default"), name)
    before = service.task_definition
    wanted = props.get("task_definition")
    force = props.get("force_new_deployment")
    result = _update_service(self, props)
    if wanted:
        service.task_definition = self.describe_task_definition(wanted).arn  # AWS reports the full ARN
    if service.deployment_controller.get("type", "ECS") == "ECS" and (service.task_definition != before or force):
        for dep in service.deployments:
            dep["status"] = "ACTIVE"
        service.deployments.insert(0, new_deployment(service, service.task_definition))
        service._sim_ticks = 0
    return result


EC2ContainerServiceBackend.update_service = update_service


def circuit_breaker(service):
    config = getattr(service, "deployment_configuration", None) or {}
    return config.get("deploymentCircuitBreaker") or {}


def image_of(backend, task_definition_arn):
    try:
        return backend.describe_task_definition(task_definition_arn).container_definitions[0].get("image")
    except Exception:
        return None


def complete(service, dep):
    dep.update(rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {dep['id']} completed.",
               runningCount=service.desired_count, pendingCount=0, desiredCount=service.desired_count, updatedAt=utcnow())
    service.deployments = [dep]
    service.running_count = service.desired_count
    service.pending_count = 0
    event(service, "has reached a steady state.")


def fail(backend, service, dep, reason):
    dep.update(rolloutState="FAILED", rolloutStateReason=f"ECS deployment circuit breaker: {reason}", failedTasks=3, updatedAt=utcnow())
    event(service, f"deployment {dep['id']} deployment failed: {reason}")
    if not circuit_breaker(service).get("rollback"):
        return
    previous = next((d for d in service.deployments if d is not dep and d.get("rolloutState") == "COMPLETED"), None)
    if previous is None:
        return
    dep["status"] = "ACTIVE"
    rollback = new_deployment(service, previous["taskDefinition"])
    service.task_definition = previous["taskDefinition"]
    service.deployments = [rollback, dep]
    event(service, f"rolling back to deployment {previous['id']}.")
    complete(service, rollback)
    service.deployments.append(dep)  # the failed one stays visible for a while, as in ECS


def tick():
    for ecs, elbv2 in backends():
        for service in list(ecs.services.values()):
            rule = SERVICE_RULES.get(service.name, {})
            if service.status == "ACTIVE" and not rule.get("hold"):
                dep = service.deployments[0] if service.deployments else None
                if dep and dep.get("rolloutState") == "IN_PROGRESS":
                    service._sim_ticks = getattr(service, "_sim_ticks", 0) + 1
                    if service._sim_ticks >= CONFIG["ticks"]:
                        reason = FAILING_IMAGES.get(image_of(ecs, dep["taskDefinition"]) or "")
                        if reason:
                            fail(ecs, service, dep, reason)
                        else:
                            complete(service, dep)
            sync_targets(service, elbv2)


def sync_targets(service, elbv2):
    """One IP target per running task in each of the service's target groups (none once it is gone)."""
    wanted = service.running_count if service.status == "ACTIVE" else 0
    for lb in service.load_balancers or []:
        tg = elbv2.target_groups.get(lb.get("targetGroupArn"))
        if tg is None:
            continue
        mine = [tid for (arn, tid), owner in TARGET_OWNER.items() if arn == tg.arn and owner == service.name and tid in tg.targets]
        while len(mine) < wanted:
            n = next(IPS)
            tid = f"10.0.{n // 250}.{n % 250 + 1}"
            tg.register([{"Id": tid, "Port": lb.get("containerPort", tg.port)}])
            TARGET_OWNER[(tg.arn, tid)] = service.name
            mine.append(tid)
        while len(mine) > wanted:
            tg.deregister([{"Id": mine.pop()}])


# ---- ECS: tasks that exit ------------------------------------------------------------------------------------

_run_task = EC2ContainerServiceBackend.run_task
_describe_tasks = EC2ContainerServiceBackend.describe_tasks
_managed_status = Task.status  # moto's state manager: moves the task on when read


def run_task(self, *args, **kwargs):
    tasks = _run_task(self, *args, **kwargs)
    for task in tasks:
        for container in task.containers:
            container.exitCode = None  # no exit code until it stops
        task.last_status = "RUNNING"
    return tasks


def describe_tasks(self, cluster_str, tasks):
    """The one place a task moves on through its lifecycle: once per DescribeTasks, and a task seen stopped on its
    own (not by StopTask, which gives a reason) gets its containers' exit codes in the same step. Moto would
    otherwise move it on whenever its status is read, also while a response is serialized, which could show a
    task stopped without exit codes."""
    found = _describe_tasks(self, cluster_str, tasks)
    for task in found:
        if _managed_status.fget(task) == "STOPPED" and not task.stopped_reason:
            family = task.task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]
            outcome = TASK_EXITS.get(family, {"exitCode": 0, "reason": ""})
            task.desired_status = "STOPPED"
            task.stop_code = "EssentialContainerExited"
            task.stopped_reason = "Essential container in task exited"
            for container in task.containers:
                container.exitCode = outcome["exitCode"]
                container.last_status = "STOPPED"
                container.reason = outcome.get("reason") or None
    return found


EC2ContainerServiceBackend.run_task = run_task
EC2ContainerServiceBackend.describe_tasks = describe_tasks
Task.last_status = property(lambda task: task._status, Task.last_status.fset)


# ---- the WSGI wrapper ----------------------------------------------------------------------------------------

def control(path, body):
    if path == "/_sim/config":
        CONFIG.update(body)
    elif path == "/_sim/ecs/service":
        SERVICE_RULES[body["service"]] = {k: v for k, v in body.items() if k != "service"}
    elif path == "/_sim/ecs/failing-image":
        FAILING_IMAGES[body["image"]] = body.get("reason", "tasks failed to start.")
    elif path == "/_sim/ecs/task-exit":
        TASK_EXITS[body["family"]] = {"exitCode": body["exitCode"], "reason": body.get("reason", "")}
    elif path == "/_sim/ecs/tick":
        for _ in range(body.get("times", 1)):
            tick()
    elif path == "/_sim/reset":
        for d in (SERVICE_RULES, FAILING_IMAGES, TASK_EXITS):
            d.clear()
    else:
        return None
    return {"ok": True}


class Simulation:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        with LOCK:
            if path.startswith("/_sim/"):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                result = control(path, body)
                start_response("200 OK" if result else "404 Not Found", [("Content-Type", "application/json")])
                return [json.dumps(result or {"error": f"no route {path}"}).encode()]
            if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".DescribeServices"):
                tick()
            return list(self.app(environ, start_response))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = Simulation(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    server.serve_forever()


if __name__ == "__main__":
    main()
