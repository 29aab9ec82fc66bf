"""smartdowel: a standalone Raspberry Pi appliance that teaches the hip hinge."""
from setuptools import find_packages, setup

setup(
    name="smartdowel",
    version="0.1.0",
    description="Hip-hinge dowel trainer: FSR contacts, tilt, cues, logs",
    python_requires=">=3.11",
    packages=find_packages(include=["device", "device.*", "drivers", "drivers.*", "ui", "ui.*"]),
    install_requires=[
        "numpy>=1.24",
        "pygame>=2.1",
        "gpiozero>=2.0",
        "smbus2>=0.4",
    ],
    extras_require={
        "pi": ["RPi.GPIO>=0.7", "lgpio>=0.2"],
        # lgpio where apt has no python3-lgpio (Debian; Raspberry Pi OS has it): what
        # systemd/install.sh puts in the venv. ">=0.2": PyPI also holds an empty 0.0.0.2.
        "lgpio": ["lgpio>=0.2"],
        # The checks tests/integration/test_static_checks.py runs come with the tests.
        "test": ["pytest>=7", "hypothesis>=6", "pytest-xdist>=3", "ruff>=0.4", "mypy>=1.8", "import-linter>=2.0"],
    },
    entry_points={"console_scripts": ["smartdowel=device.cli.main:main"]},
)
