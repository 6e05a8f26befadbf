from .foreground_memory import ForegroundMemory

__all__ = ['ForegroundMemory']
