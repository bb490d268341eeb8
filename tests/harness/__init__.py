"""Engine-free harness: runs a Pulumi program for a stack with the real dynamic providers.

Test-only. The Pulumi CLI and engine are absent on these machines; the harness stands in for
the engine so tests can run `up`, `preview`, `refresh` and `destroy` against the real providers
and a state file. It never ships in the product and never replaces `pulumi up` in the docs.

How it works: the program runs under the SDK's mock runtime (`MockSettings` + a `MockMonitor`
subclass, what `pulumi.runtime.set_mocks` installs). Each resource registration is turned into
the engine's step for it, executed through the SDK's own dynamic provider host
(`pulumi/dynamic/__main__.py`, run in-process with real protobuf requests), and the real id and
outputs go back to the program. A JSON state file plays the engine's checkpoint.

Engine behaviour mirrored, and where (pulumi/pulumi sources, docs at pulumi.com/docs):
- provider protocol Check / Diff / Create / Update / Read / Delete with what the engine sends:
  Check gets old *inputs*, Diff and Update get old *outputs* plus the checked new inputs,
  Read and Delete get the saved outputs (`provider_plugin`; `proto/pulumi/provider.proto`);
- step generation: create, same (no provider call but check/diff), update, replace;
  DIFF_UNKNOWN compared on inputs; replace of a protected resource refused; re-check before a
  replacement (`step_generator`; `pkg/resource/deploy/step_generator.go`);
- replacement create-before-delete, the old instance deleted after the program finishes;
  delete-before-create with the `deleteBeforeReplace` resource option, or, when that option is
  unset, when the provider's DiffResult asks (docs: resource options `deleteBeforeReplace`);
- deletes of resources no longer declared, and `pulumi destroy`, in reverse dependency order
  (`delete_phase`; `GenerateDeletes`/`ScheduleDeletes`); `protect` refuses deletion (docs:
  resource option `protect`); `retainOnDelete` drops from state without Delete;
- `pulumi refresh`: Read every resource, drop vanished ones, report drift (`deployment`);
- the checkpoint: saved after every step, secrets stored sealed (`checkpoint`,
  `secrets_at_rest`); a provider with `acceptSecrets: false` gets plain values and its outputs
  get secretness back from the inputs (`property_values.annotate_secrets`);
- the Python language host: fresh runtime per run, config and secret keys as the CLI passes
  them, wait for all registrations (`program_runner`; `pulumi/automation/_server.py`).

Not mirrored (fails with `UnsupportedFeatureError` where it can be detected): providers other than
Python dynamic ones, `Resource.get`/reads, invokes, aliases, import, transforms, hooks,
`replaceOnChanges`, `deletedWith`, `replaceWith`, nested `ignoreChanges` paths, `--target`,
parallelism, and the replacement of dependents of a delete-before-replace resource.
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
