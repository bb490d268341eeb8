"""Engine-free harness: runs a Pulumi program for a stack with the real dynamic providers.

Test-only. The Pulumi CLI and engine are absent on these machines; the harness stands in for
the engine so tests can run `up`, `preview`, `refresh` and `destroy` against the real providers
and a state file. It never ships in the product and never replaces `pulumi up` in the docs.

How it works: the program runs under the SDK's mock runtime (`MockSettings` + a `MockMonitor`
subclass, what `pulumi.runtime.set_mocks` installs). Each resource registration is turned into
the engine's step for it, executed through a real provider plugin process, `python -m
pulumi.dynamic` (what `pulumi-resource-pulumi-python` runs), spoken to over gRPC with the SDK's
own stubs, and the real id and outputs go back to the program. A JSON state file plays the
engine's checkpoint.

Engine behaviour mirrored, and where (pulumi/pulumi sources, docs at pulumi.com/docs):
- one plugin process per preview, update, refresh and destroy, started in the program's
  directory and stopped at the end; its stderr lines become unattached info messages
  (`provider_process`; `sdk/go/common/resource/plugin/plugin.go`,
  `sdk/python/lib/pulumi/dynamic/__main__.py`);
- provider protocol Check / Diff / Create / Update / Read / Delete with what the engine sends:
  Check gets old *inputs*, Diff and Update get old *outputs* plus the checked new inputs,
  Read and Delete get the saved outputs (`provider_plugin`; `proto/pulumi/provider.proto`);
- parallelism: registrations reach the monitor concurrently (language host executor of
  `parallel` x 4 threads, `sdk/python/cmd/pulumi-language-python-exec`), steps run on `parallel`
  workers (`--parallel`, default GOMAXPROCS x 4, `pkg/cmd/pulumi/operations/up.go`), a step
  waits for the steps of what it depends on (`step_generator`; `step_executor.go`);
- step generation: create, same (no provider call but check/diff), update, replace;
  DIFF_UNKNOWN compared on inputs; replace of a protected resource refused; re-check before a
  replacement; `--replace` skips Diff; dependents of a delete-before-replace replaced first
  (`step_generator`; `pkg/resource/deploy/step_generator.go`);
- replacement create-before-delete, the old instance deleted after the program finishes;
  delete-before-create with the `deleteBeforeReplace` resource option, or, when that option is
  unset, when the provider's DiffResult asks (docs: resource options `deleteBeforeReplace`);
- deletes of resources no longer declared, and `pulumi destroy`, in reverse dependency order,
  antichains of independent resources in parallel (`delete_phase`; `GenerateDeletes`,
  `ScheduleDeletes`, `performPostSteps`); `protect` fails only that resource's delete (and
  skips what it depends on), the run fails at the end; `retainOnDelete` drops from state
  without Delete;
- `pulumi refresh`: Read every resource concurrently, drop vanished ones, report drift
  (`deployment`);
- the local backend's stack lock for up, refresh and destroy (`stack_lock`;
  `pkg/backend/diy/lock.go`);
- the checkpoint: saved after every step, secrets stored sealed (`checkpoint`,
  `secrets_at_rest`); a provider with `acceptSecrets: false` gets plain values and its outputs
  get secretness back from the inputs (`property_values.annotate_secrets`);
- the Python language host: fresh runtime per run, config and secret keys as the CLI passes
  them, wait for all registrations (`program_runner`; `pulumi/automation/_server.py`).

Not mirrored (fails with `UnsupportedFeatureError` where it can be detected): providers other than
Python dynamic ones, `Resource.get`/reads, invokes, aliases, import, transforms, hooks,
`replaceOnChanges`, `deletedWith`, `replaceWith`, nested `ignoreChanges` paths, `--target`, the
preview that `pulumi up` runs before the update (`up()` is `pulumi up --skip-preview`; call
`preview()` for it), and the program running in its own process (it runs in the test process;
the providers do not).
"""

from tests.harness.checkpoint import ResourceState
from tests.harness.errors import (
    CheckFailedError,
    HarnessError,
    ProgramError,
    ProtectedResourceError,
    ProviderStepError,
    StackLockedError,
    StateFileError,
    UnsupportedFeatureError,
)
from tests.harness.harness import Harness
from tests.harness.property_values import UNKNOWN
from tests.harness.results import (
    LogMessage,
    PropertyChange,
    ProviderCall,
    RefreshResult,
    RunResult,
    StepOp,
)
from tests.harness.stack_config import StackConfig, load_stack_config
from tests.harness.stack_state import StackState

__all__ = [
    "UNKNOWN",
    "CheckFailedError",
    "Harness",
    "HarnessError",
    "LogMessage",
    "ProgramError",
    "PropertyChange",
    "ProtectedResourceError",
    "ProviderCall",
    "ProviderStepError",
    "RefreshResult",
    "ResourceState",
    "RunResult",
    "StackConfig",
    "StackLockedError",
    "StackState",
    "StateFileError",
    "StepOp",
    "UnsupportedFeatureError",
    "load_stack_config",
]
